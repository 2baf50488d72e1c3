//! The `callsift` binary: parse the command line, run, map the outcome to an exit code.

use std::io::Write;

mod cli;

/// mimalloc instead of the system allocator (see Cargo.toml): a lower peak and fewer page
/// faults on a national case. The library leaves the choice to its caller.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() {
    let cli = cli::parse();
    let code = match cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            // Not eprintln!, which panics when standard error is closed.
            let _ = writeln!(
                std::io::stderr(),
                "callsift: {} {e}",
                cli::Paint::stderr().bad("error:")
            );
            e.exit_code()
        }
    };
    std::process::exit(code);
}
