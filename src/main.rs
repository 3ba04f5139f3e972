use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = aerepro::cli::Cli::parse();
    if cli.no_flush_denormals {
        // Children (sweep cells, reproduce's seeds) read it too.
        std::env::set_var(aerepro::model::aten::FLUSH_DENORMALS_ENV, "0");
    }
    // Before libtorch starts its thread pool, which then inherits it (AEREPRO_FLUSH_DENORMALS=0: off).
    aerepro::model::aten::flush_denormals_from_env();
    match aerepro::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// A closed stdout (e.g. piped into `head`) is not a failure of the command.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain()
        .filter_map(|cause| cause.downcast_ref::<std::io::Error>())
        .any(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
}
