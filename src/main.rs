//! The `callsift` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;

fn main() {
    let cli = callsift::cli::Cli::parse();
    let code = match callsift::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callsift: error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
