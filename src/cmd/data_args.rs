//! Command-line options that select and split the input data, shared by the subcommands.
