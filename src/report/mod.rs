//! What a person reads and looks at: the table beside the paper, the scores, the cost report, the
//! sweep tables, every figure, and the README's and docs' blocks rendered from committed results.
pub mod complexity_figure;
pub mod cost;
pub mod docs;
pub mod figures;
pub mod html;
pub mod plot;
pub mod score_table;
pub mod scores;
pub mod sensitivity;
pub mod sweep;
pub mod sweep_figures;
pub mod table;
