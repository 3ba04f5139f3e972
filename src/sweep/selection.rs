//! What a sweep plan selects: normal classes (all, the paper's, or a list) and seeds (a count or a
//! list), each refused when a value repeats (it would count one training twice).
use anyhow::bail;
use serde::{Deserialize, Serialize};

use crate::data::DatasetKind;

/// Which normal classes: all ten, the paper's own (MNIST 1, CIFAR-10 dog), or a list of
/// indices/names (applied to every dataset).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClassSelection {
    Keyword(ClassKeyword),
    List(Vec<ClassName>),
}

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ClassKeyword {
    All,
    Paper,
}

/// A class given by index (`7`) or name (`"dog"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ClassName {
    Index(u8),
    Name(String),
}

impl std::str::FromStr for ClassSelection {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s.trim().eq_ignore_ascii_case("all") {
            return Ok(ClassSelection::Keyword(ClassKeyword::All));
        }
        if s.trim().eq_ignore_ascii_case("paper") {
            return Ok(ClassSelection::Keyword(ClassKeyword::Paper));
        }
        Ok(ClassSelection::List(
            s.split(',')
                .map(|c| ClassName::Name(c.trim().to_string()))
                .collect(),
        ))
    }
}

/// Seeds: a count N (seeds 0..N) or an explicit list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum SeedSelection {
    Count(u64),
    List(Vec<u64>),
}

impl std::str::FromStr for SeedSelection {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let parse = |t: &str| {
            t.trim().parse::<u64>().map_err(|_| {
                format!("'{t}' is not a seed (expected N for seeds 0..N, or a list like 0,3,7)")
            })
        };
        if s.contains(',') {
            Ok(SeedSelection::List(
                s.split(',').map(parse).collect::<Result<_, _>>()?,
            ))
        } else {
            Ok(SeedSelection::Count(parse(s)?))
        }
    }
}

impl SeedSelection {
    pub fn seeds(&self) -> Vec<u64> {
        match self {
            SeedSelection::Count(n) => (0..*n).collect(),
            SeedSelection::List(list) => list.clone(),
        }
    }
}

/// The classes of `selection` for `dataset`: `all` puts the paper's normal class first, so that the
/// paper's own cells finish first; a list keeps its order.
pub(super) fn normal_classes(
    dataset: DatasetKind,
    selection: &ClassSelection,
) -> anyhow::Result<Vec<u8>> {
    let classes = match selection {
        ClassSelection::Keyword(ClassKeyword::Paper) => vec![dataset.paper_normal_class()],
        ClassSelection::Keyword(ClassKeyword::All) => {
            let paper = dataset.paper_normal_class();
            let mut all = vec![paper];
            all.extend((0..dataset.class_names().len() as u8).filter(|c| *c != paper));
            all
        }
        ClassSelection::List(list) => list
            .iter()
            .map(|c| match c {
                ClassName::Index(i) => dataset.parse_class(&i.to_string()),
                ClassName::Name(n) => dataset.parse_class(n),
            })
            .collect::<Result<Vec<_>, _>>()?,
    };
    let names: Vec<&str> = classes
        .iter()
        .map(|c| dataset.class_names()[*c as usize])
        .collect();
    refuse_repeats(&format!("{dataset} normal class"), &names)?;
    Ok(classes)
}

/// A grid with a value twice would plan the same cell twice and count one training as two seeds.
pub(super) fn refuse_repeats<T: PartialEq + std::fmt::Display>(
    what: &str,
    values: &[T],
) -> anyhow::Result<()> {
    let repeated: Vec<String> = values
        .iter()
        .enumerate()
        .filter(|(i, v)| values[..*i].contains(v))
        .map(|(_, v)| v.to_string())
        .collect();
    if !repeated.is_empty() {
        bail!(
            "{what} {} given more than once: each cell must be planned once (a repeated {what} \
             would count one training twice)",
            repeated.join(", ")
        );
    }
    Ok(())
}
