//! What `aerepro info` says about the CPU: vendor and the widest vector instructions oneDNN can
//! use (timings and the subnormal-float slowdown depend on both).
use crate::run::environment::dispatch_features;

/// "AMD", "Intel", or the raw `vendor_id` of /proc/cpuinfo text (None without one).
pub fn vendor(cpuinfo: &str) -> Option<String> {
    let id = field(cpuinfo, "vendor_id")?;
    Some(
        match id {
            "AuthenticAMD" => "AMD",
            "GenuineIntel" => "Intel",
            other => other,
        }
        .to_string(),
    )
}

/// The widest vector level among [`dispatch_features`]: "AMX", "AVX-512", "AVX2", "AVX", "SSE4" or
/// "no AVX/SSE4 flags".
pub fn vector_level(features: &[String]) -> &'static str {
    let has = |prefix: &str| features.iter().any(|f| f.starts_with(prefix));
    if has("amx") {
        "AMX"
    } else if has("avx512") {
        "AVX-512"
    } else if has("avx2") {
        "AVX2"
    } else if has("avx") {
        "AVX"
    } else if has("sse4") {
        "SSE4"
    } else {
        "no AVX/SSE4 flags"
    }
}

/// One line: vendor, model name and vector level, e.g. "AMD (AMD EPYC 7B13), AVX2".
pub fn describe(cpuinfo: &str) -> String {
    let vendor = vendor(cpuinfo).unwrap_or_else(|| "unknown vendor".into());
    let model = field(cpuinfo, "model name").map_or(String::new(), |m| format!(" ({m})"));
    let level = vector_level(&dispatch_features(cpuinfo));
    format!("{vendor}{model}, {level}")
}

/// The value of the first `name : value` line.
fn field<'a>(cpuinfo: &'a str, name: &str) -> Option<&'a str> {
    cpuinfo.lines().find_map(|line| {
        let (key, value) = line.split_once(':')?;
        (key.trim() == name).then_some(value.trim())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_model_and_the_widest_vector_level() {
        let amd = "vendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13\nflags\t\t: fpu sse4_1 avx avx2 fma\n";
        assert_eq!(describe(amd), "AMD (AMD EPYC 7B13), AVX2");
        let intel = "vendor_id\t: GenuineIntel\nflags\t\t: avx2 avx512f avx512bw amx_tile\n";
        assert_eq!(describe(intel), "Intel, AMX");
        let avx512 = dispatch_features("flags : avx2 avx512f");
        assert_eq!(vector_level(&avx512), "AVX-512");
        assert_eq!(describe(""), "unknown vendor, no AVX/SSE4 flags");
        assert_eq!(
            vendor("vendor_id : HygonGenuine").as_deref(),
            Some("HygonGenuine")
        );
    }
}
