//! `cybs-flex completions`: shell completion scripts generated from the command definitions.

use clap::{Args, CommandFactory as _, ValueEnum};
use clap_complete::Shell;

use crate::{Cli, Failure};

#[derive(Debug, Args)]
pub(crate) struct CompletionsArgs {
    /// The shell to generate the script for.
    #[arg(value_enum)]
    shell: CompletionShell,
}

/// The shells `completions` supports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum CompletionShell {
    /// bash: `source <(cybs-flex completions bash)`, or save to a bash-completion directory.
    Bash,
    /// zsh: save as `_cybs-flex` in a directory on `$fpath`.
    Zsh,
    /// fish: save as `~/.config/fish/completions/cybs-flex.fish`.
    Fish,
}

pub(crate) fn run(args: &CompletionsArgs) -> Result<(), Failure> {
    let shell = match args.shell {
        CompletionShell::Bash => Shell::Bash,
        CompletionShell::Zsh => Shell::Zsh,
        CompletionShell::Fish => Shell::Fish,
    };
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "cybs-flex", &mut script);
    let script = String::from_utf8(script)
        .map_err(|_| Failure::new("the generated completion script is not UTF-8"))?;
    crate::input::print(script.trim_end())
}
