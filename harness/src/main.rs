use clap::Parser as _;

fn main() {
    // Usage errors exit 2 (clap's default for bad arguments is also 2).
    let cli = mcpcheck::cli::Cli::parse();
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            std::process::exit(2);
        }
    };
    let code = rt.block_on(mcpcheck::cli::main_with(cli));
    std::process::exit(code);
}
