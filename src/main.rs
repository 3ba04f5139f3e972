use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = aerepro::cli::Cli::parse();
    match aerepro::cli::run(cli) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
