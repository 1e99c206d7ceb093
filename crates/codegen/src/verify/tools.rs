//! The external tools `cabin verify` runs, where they come from and how to ask their version.

use std::path::PathBuf;
use std::process::Command;

use super::VerifyError;

/// A tool `cabin verify` can run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Tool {
    /// Icarus Verilog (`iverilog` to compile, `vvp` to run).
    Iverilog,
    /// Verilator (`verilator --binary`).
    Verilator,
    /// The GNU C++ compiler, for the HLS C simulation.
    Gxx,
    /// Yosys, for the formal equivalence check.
    Yosys,
}

impl Tool {
    /// Every tool, in the order they run.
    pub const ALL: [Tool; 4] = [Tool::Iverilog, Tool::Verilator, Tool::Gxx, Tool::Yosys];

    /// The name used on the command line (`--require iverilog,verilator,gxx`).
    pub const fn name(self) -> &'static str {
        match self {
            Tool::Iverilog => "iverilog",
            Tool::Verilator => "verilator",
            Tool::Gxx => "gxx",
            Tool::Yosys => "yosys",
        }
    }

    /// Parses [`Tool::name`] (also `g++`).
    pub fn from_name(s: &str) -> Option<Tool> {
        match s.trim() {
            "g++" => Some(Tool::Gxx),
            t => Tool::ALL.into_iter().find(|x| x.name() == t),
        }
    }

    /// The programs it needs on `PATH`.
    pub const fn programs(self) -> &'static [&'static str] {
        match self {
            Tool::Iverilog => &["iverilog", "vvp"],
            Tool::Verilator => &["verilator"],
            Tool::Gxx => &["g++"],
            Tool::Yosys => &["yosys"],
        }
    }

    /// The Debian package that installs it.
    pub const fn package(self) -> &'static str {
        match self {
            Tool::Iverilog => "iverilog",
            Tool::Verilator => "verilator",
            Tool::Gxx => "g++",
            Tool::Yosys => "yosys",
        }
    }

    /// Checks every program is on `PATH`; the error names the Debian package.
    pub fn locate(self) -> Result<Vec<PathBuf>, VerifyError> {
        self.programs()
            .iter()
            .map(|p| {
                which(p).ok_or_else(|| VerifyError::ToolMissing {
                    tool: (*p).to_string(),
                    package: self.package().to_string(),
                })
            })
            .collect()
    }

    /// The first line the tool prints about its version.
    pub fn version(self) -> Result<String, VerifyError> {
        self.locate()?;
        let (prog, arg) = match self {
            Tool::Iverilog => ("iverilog", "-V"),
            Tool::Verilator => ("verilator", "--version"),
            Tool::Gxx => ("g++", "--version"),
            Tool::Yosys => ("yosys", "-V"),
        };
        let out = Command::new(prog).arg(arg).output().map_err(|e| VerifyError::ToolFailed {
            tool: prog.to_string(),
            status: "could not start".into(),
            output: e.to_string(),
        })?;
        // `iverilog -V` exits 1 after printing the version (no input file), so only the text
        // counts here.
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(text.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or("unknown").to_string())
    }
}

impl std::fmt::Display for Tool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Tool::Iverilog => "Icarus Verilog",
            Tool::Verilator => "Verilator",
            Tool::Gxx => "g++ (HLS C simulation)",
            Tool::Yosys => "Yosys",
        })
    }
}

/// The first executable `name` on `PATH`.
pub fn which(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path).map(|d| d.join(name)).find(|p| is_executable(p))
}

fn is_executable(p: &std::path::Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        p.metadata().map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0).unwrap_or(false)
    }
    #[cfg(not(unix))]
    {
        p.is_file()
    }
}

/// Runs `cmd` in its working folder; a non-zero exit is [`VerifyError::ToolFailed`] with the
/// end of its output. Returns stdout and stderr together.
pub(crate) fn run(tool: &str, cmd: &mut Command) -> Result<String, VerifyError> {
    log::debug!("running {cmd:?}");
    let out = cmd.output().map_err(|e| VerifyError::ToolFailed {
        tool: tool.to_string(),
        status: "could not start".into(),
        output: e.to_string(),
    })?;
    let text =
        format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    if !out.status.success() {
        return Err(VerifyError::ToolFailed {
            tool: tool.to_string(),
            status: out.status.to_string(),
            output: super::tail(&text, 2000),
        });
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_packages_are_debian_names() {
        for t in Tool::ALL {
            assert_eq!(Tool::from_name(t.name()), Some(t));
        }
        assert_eq!(Tool::from_name("g++"), Some(Tool::Gxx));
        assert_eq!(Tool::from_name("modelsim"), None);
        assert_eq!(Tool::Iverilog.package(), "iverilog");
    }

    #[test]
    fn a_missing_program_is_not_found() {
        assert!(which("cabin-no-such-simulator-xyz").is_none());
        assert!(which("sh").is_some());
    }
}
