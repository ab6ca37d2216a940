from track4tip.cli import run_cli

run_cli()
