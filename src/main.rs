//! The `callsift` binary: parse the command line, run, map the outcome to an exit code.

use clap::Parser;

mod cli;

fn main() {
    let cli = cli::Cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("callsift: error: {e}");
            e.exit_code()
        }
    };
    std::process::exit(code);
}
