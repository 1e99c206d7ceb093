//! Identifiers for generated code: feature names made safe for every target language at once.
//!
//! One sanitised name per feature is used in all targets, so a signal reads the same in the
//! Verilog, the HLS C++ and the C header. The rules, applied in order:
//! 1. every character outside `[A-Za-z0-9_]` becomes `_`;
//! 2. runs of `_` collapse to one, and leading and trailing `_` are dropped (C++ reserves
//!    `_X` and `__`, VHDL forbids both);
//! 3. an empty result becomes `f`; a name starting with a digit gets the prefix `f_`;
//! 4. a name that is a keyword of Verilog, SystemVerilog, VHDL, C, C++, Rust or Python
//!    (compared without case, as VHDL does) gets the prefix `f_`;
//! 5. names equal without case to an earlier one get the suffix `_2`, `_3`, ...
//!
//! The prefix `f_` is thus reserved: a feature called `f_reg` and one called `reg` become
//! `f_reg` and `f_reg_2`. Generated code adds its own prefixes (`x_` for ports); the original
//! names appear only in escaped string literals, never in comments.

use std::collections::HashSet;

/// Keywords of Verilog-2005, SystemVerilog-2017, VHDL-2008, C11, C++20, Rust 2021 and
/// Python 3, plus names the generated code or the HLS libraries use.
const KEYWORDS: &[&str] = &[
    // Verilog and SystemVerilog
    "accept_on",
    "alias",
    "always",
    "always_comb",
    "always_ff",
    "always_latch",
    "and",
    "assert",
    "assign",
    "assume",
    "automatic",
    "before",
    "begin",
    "bind",
    "bins",
    "binsof",
    "bit",
    "break",
    "buf",
    "bufif0",
    "bufif1",
    "byte",
    "case",
    "casex",
    "casez",
    "cell",
    "chandle",
    "checker",
    "class",
    "clocking",
    "cmos",
    "config",
    "const",
    "constraint",
    "context",
    "continue",
    "cover",
    "covergroup",
    "coverpoint",
    "cross",
    "deassign",
    "default",
    "defparam",
    "design",
    "disable",
    "dist",
    "do",
    "edge",
    "else",
    "end",
    "endcase",
    "endchecker",
    "endclass",
    "endclocking",
    "endconfig",
    "endfunction",
    "endgenerate",
    "endgroup",
    "endinterface",
    "endmodule",
    "endpackage",
    "endprimitive",
    "endprogram",
    "endproperty",
    "endspecify",
    "endsequence",
    "endtable",
    "endtask",
    "enum",
    "event",
    "eventually",
    "expect",
    "export",
    "extends",
    "extern",
    "final",
    "first_match",
    "for",
    "force",
    "foreach",
    "forever",
    "fork",
    "forkjoin",
    "function",
    "generate",
    "genvar",
    "global",
    "highz0",
    "highz1",
    "if",
    "iff",
    "ifnone",
    "ignore_bins",
    "illegal_bins",
    "implements",
    "implies",
    "import",
    "incdir",
    "include",
    "initial",
    "inout",
    "input",
    "inside",
    "instance",
    "int",
    "integer",
    "interconnect",
    "interface",
    "intersect",
    "join",
    "join_any",
    "join_none",
    "large",
    "let",
    "liblist",
    "library",
    "local",
    "localparam",
    "logic",
    "longint",
    "macromodule",
    "matches",
    "medium",
    "modport",
    "module",
    "nand",
    "negedge",
    "nettype",
    "new",
    "nexttime",
    "nmos",
    "nor",
    "noshowcancelled",
    "not",
    "notif0",
    "notif1",
    "null",
    "or",
    "output",
    "package",
    "packed",
    "parameter",
    "pmos",
    "posedge",
    "primitive",
    "priority",
    "program",
    "property",
    "protected",
    "pull0",
    "pull1",
    "pulldown",
    "pullup",
    "pulsestyle_ondetect",
    "pulsestyle_onevent",
    "pure",
    "rand",
    "randc",
    "randcase",
    "randsequence",
    "rcmos",
    "real",
    "realtime",
    "ref",
    "reg",
    "reject_on",
    "release",
    "repeat",
    "restrict",
    "return",
    "rnmos",
    "rpmos",
    "rtran",
    "rtranif0",
    "rtranif1",
    "s_always",
    "s_eventually",
    "s_nexttime",
    "s_until",
    "s_until_with",
    "scalared",
    "sequence",
    "shortint",
    "shortreal",
    "showcancelled",
    "signed",
    "small",
    "soft",
    "solve",
    "specify",
    "specparam",
    "static",
    "string",
    "strong",
    "strong0",
    "strong1",
    "struct",
    "super",
    "supply0",
    "supply1",
    "sync_accept_on",
    "sync_reject_on",
    "table",
    "tagged",
    "task",
    "this",
    "throughout",
    "time",
    "timeprecision",
    "timeunit",
    "tran",
    "tranif0",
    "tranif1",
    "tri",
    "tri0",
    "tri1",
    "triand",
    "trior",
    "trireg",
    "type",
    "typedef",
    "union",
    "unique",
    "unique0",
    "unsigned",
    "until",
    "until_with",
    "untyped",
    "use",
    "uwire",
    "var",
    "vectored",
    "virtual",
    "void",
    "wait",
    "wait_order",
    "wand",
    "weak",
    "weak0",
    "weak1",
    "while",
    "wildcard",
    "wire",
    "with",
    "within",
    "wor",
    "xnor",
    "xor",
    // VHDL
    "abs",
    "access",
    "after",
    "all",
    "architecture",
    "array",
    "attribute",
    "block",
    "body",
    "buffer",
    "bus",
    "component",
    "configuration",
    "constant",
    "downto",
    "elsif",
    "entity",
    "exit",
    "file",
    "group",
    "guarded",
    "impure",
    "in",
    "inertial",
    "is",
    "label",
    "linkage",
    "literal",
    "loop",
    "map",
    "mod",
    "next",
    "of",
    "on",
    "open",
    "others",
    "out",
    "port",
    "postponed",
    "procedure",
    "process",
    "range",
    "record",
    "register",
    "rem",
    "report",
    "rol",
    "ror",
    "select",
    "severity",
    "shared",
    "signal",
    "sla",
    "sll",
    "sra",
    "srl",
    "subtype",
    "then",
    "to",
    "transport",
    "units",
    "variable",
    "vmode",
    "vprop",
    "vunit",
    "when",
    // C and C++
    "alignas",
    "alignof",
    "and_eq",
    "asm",
    "atomic_cancel",
    "atomic_commit",
    "atomic_noexcept",
    "auto",
    "bitand",
    "bitor",
    "bool",
    "catch",
    "char",
    "char8_t",
    "char16_t",
    "char32_t",
    "co_await",
    "co_return",
    "co_yield",
    "compl",
    "concept",
    "const_cast",
    "consteval",
    "constexpr",
    "constinit",
    "decltype",
    "delete",
    "double",
    "dynamic_cast",
    "explicit",
    "false",
    "float",
    "friend",
    "goto",
    "inline",
    "long",
    "mutable",
    "namespace",
    "noexcept",
    "not_eq",
    "nullptr",
    "operator",
    "or_eq",
    "private",
    "public",
    "reflexpr",
    "reinterpret_cast",
    "requires",
    "short",
    "sizeof",
    "static_assert",
    "static_cast",
    "switch",
    "synchronized",
    "template",
    "thread_local",
    "throw",
    "true",
    "try",
    "typeid",
    "typename",
    "using",
    "volatile",
    "wchar_t",
    "xor_eq",
    "restrict",
    "_bool",
    "_complex",
    "_generic",
    "_imaginary",
    "_noreturn",
    "_static_assert",
    "_thread_local",
    "main",
    "std",
    // Rust
    "as",
    "crate",
    "dyn",
    "fn",
    "impl",
    "mut",
    "pub",
    "self",
    "trait",
    "unsafe",
    "where",
    "async",
    "await",
    "abstract",
    "become",
    "box",
    "macro",
    "override",
    "priv",
    "typeof",
    "unsized",
    "yield",
    "try",
    "gen",
    // Python
    "none",
    "def",
    "del",
    "elif",
    "except",
    "finally",
    "from",
    "lambda",
    "nonlocal",
    "pass",
    "raise",
    "print",
    "exec",
    // names of the generated code and the HLS libraries
    "ap_clk",
    "ap_rst",
    "ap_start",
    "ap_done",
    "ap_idle",
    "ap_ready",
    "ap_return",
    "in_valid",
    "out_valid",
    "sel",
    "pass",
    "x",
    "ap_int",
    "ap_uint",
    "ap_fixed",
    "ap_ufixed",
];

/// Whether `name` collides, without case, with a keyword of any target language.
pub fn is_keyword(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    KEYWORDS.contains(&lower.as_str())
}

/// Rules 1 to 4 of the module docs for one name.
pub fn sanitize(name: &str) -> String {
    let mut s = String::with_capacity(name.len());
    for c in name.chars() {
        let c = if c.is_ascii_alphanumeric() { c } else { '_' };
        if c == '_' && (s.is_empty() || s.ends_with('_')) {
            continue;
        }
        s.push(c);
    }
    while s.ends_with('_') {
        s.pop();
    }
    if s.is_empty() {
        return "f".to_string();
    }
    if s.starts_with(|c: char| c.is_ascii_digit()) || is_keyword(&s) {
        s.insert_str(0, "f_");
    }
    s
}

/// Sanitised, unique (without case) names for a list of features, in the same order.
pub fn unique_names<S: AsRef<str>>(names: &[S]) -> Vec<String> {
    let mut taken: HashSet<String> = HashSet::new();
    let mut out = Vec::with_capacity(names.len());
    for n in names {
        let base = sanitize(n.as_ref());
        let mut candidate = base.clone();
        let mut k = 2;
        while !taken.insert(candidate.to_ascii_lowercase()) || is_keyword(&candidate) {
            candidate = format!("{base}_{k}");
            k += 1;
        }
        out.push(candidate);
    }
    out
}

/// Checks a user-chosen design name (`--name`): it must already be a plain identifier
/// (`[A-Za-z][A-Za-z0-9_]*`, no `__`, no trailing `_`) and not a keyword.
pub fn check_design_name(name: &str) -> Result<(), String> {
    let ok_chars = name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    let ok_start = name.starts_with(|c: char| c.is_ascii_alphabetic());
    if !ok_chars || !ok_start || name.contains("__") || name.ends_with('_') {
        return Err(format!(
            "design name '{name}' is not a plain identifier, expected a letter then letters, \
             digits or single underscores"
        ));
    }
    if is_keyword(name) {
        return Err(format!("design name '{name}' is a keyword of a target language"));
    }
    if name.len() > 64 {
        return Err(format!("design name '{name}' has {} characters, at most 64", name.len()));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keywords_and_odd_characters_become_safe_identifiers() {
        assert_eq!(sanitize("met"), "met");
        assert_eq!(sanitize("reg"), "f_reg");
        assert_eq!(sanitize("Signed"), "f_Signed");
        assert_eq!(sanitize("jet1 pt/GeV"), "jet1_pt_GeV");
        assert_eq!(sanitize("__a__b__"), "a_b");
        assert_eq!(sanitize("2mu"), "f_2mu");
        assert_eq!(sanitize("*/"), "f");
        assert_eq!(sanitize("Δφ"), "f");
    }

    #[test]
    fn names_are_unique_without_case() {
        let n = unique_names(&["a-b", "a_b", "A_B", "reg", "f_reg", "class"]);
        assert_eq!(n, vec!["a_b", "a_b_2", "A_B_3", "f_reg", "f_reg_2", "f_class"]);
    }

    #[test]
    fn design_names_are_checked() {
        assert!(check_design_name("cabin_cuts").is_ok());
        assert!(check_design_name("module").is_err());
        assert!(check_design_name("9x").is_err());
        assert!(check_design_name("a b").is_err());
        assert!(check_design_name("a__b").is_err());
    }
}
