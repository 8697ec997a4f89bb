use clap::Parser;

/// The mcpcheck reference MCP server (revision 2026-07-28).
#[derive(Debug, Parser)]
#[command(name = "reference-server", version)]
struct Cli {
    #[command(flatten)]
    args: mcpcheck_reference_server::ServeArgs,
}

fn main() {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("cannot start the async runtime: {e}");
            std::process::exit(1);
        }
    };
    let code = runtime.block_on(mcpcheck_reference_server::run_cli(cli.args));
    std::process::exit(code);
}
