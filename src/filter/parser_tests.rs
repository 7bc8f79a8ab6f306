//! Tests of the parser: precedence, operators, literals, errors and their positions.

use super::*;

/// A compact rendering of the tree, to check structure.
fn show(e: &Expr) -> String {
    match e {
        Expr::All => "ALL".into(),
        Expr::And(v) => format!("(and {})", v.iter().map(show).collect::<Vec<_>>().join(" ")),
        Expr::Or(v) => format!("(or {})", v.iter().map(show).collect::<Vec<_>>().join(" ")),
        Expr::Not(e) => format!("(not {})", show(e)),
        Expr::Has(n) => n.clone(),
        Expr::Test(n, Test::Cmp(c, l)) => format!("[{n} {} {}]", c.symbol(), l.text),
        Expr::Test(n, Test::Contains(l)) => format!("[{n} contains {}]", l.text),
        Expr::Test(n, Test::Matches(r)) => format!("[{n} matches {}]", r.text.as_str()),
        Expr::Test(n, Test::In(items)) => format!("[{n} in {}]", items.len()),
        Expr::Test(n, Test::Slice(s, t)) => {
            let t = t
                .as_ref()
                .map(|t| show(&Expr::Test(String::new(), (**t).clone())));
            format!(
                "[{n}{:?} {}]",
                s.iter().map(Vec::len).collect::<Vec<_>>(),
                t.unwrap_or_default()
            )
        }
    }
}

fn p(s: &str) -> String {
    show(&parse_expr(s).unwrap())
}

fn e(s: &str) -> FilterError {
    parse_expr(s).unwrap_err()
}

#[test]
fn precedence_not_and_or() {
    assert_eq!(p("tcp or udp and not ip"), "(or tcp (and udp (not ip)))");
    assert_eq!(p("!tcp && udp || ip"), "(or (and (not tcp) udp) ip)");
    assert_eq!(p("not (tcp or udp)"), "(not (or tcp udp))");
    assert_eq!(p("tcp and udp and ip"), "(and tcp udp ip)");
    assert_eq!(p("((tcp))"), "tcp");
    assert_eq!(p("   "), "ALL");
    assert_eq!(p(""), "ALL");
}

#[test]
fn comparisons_and_word_operators() {
    assert_eq!(p("tcp.port eq 80"), "[tcp.port == 80]");
    assert_eq!(p("tcp.port ne 80"), "[tcp.port != 80]");
    assert_eq!(
        p("frame.len ge 60 and frame.len lt 100"),
        "(and [frame.len >= 60] [frame.len < 100])"
    );
    assert_eq!(
        p("frame.len le 1 or frame.len gt 2"),
        "(or [frame.len <= 1] [frame.len > 2])"
    );
    assert_eq!(p(r#"http.host contains "127""#), "[http.host contains 127]");
    assert_eq!(
        p(r#"http.host matches "^127\.""#),
        r"[http.host matches ^127\.]"
    );
    assert_eq!(p("http.host ~ abc"), "[http.host matches abc]");
    assert_eq!(p("tcp.port in {80 443, 1..10}"), "[tcp.port in 3]");
    assert_eq!(p("tcp.port not in {80}"), "(not [tcp.port in 1])");
}

#[test]
fn literal_readings() {
    let lit = |s: &str| match parse_expr(&format!("http.host == {s}")).unwrap() {
        Expr::Test(_, Test::Cmp(_, l)) => l,
        other => panic!("{other:?}"),
    };
    assert_eq!(lit("0x10").num, Some(Num::Int(16)));
    assert_eq!(lit("-3").num, Some(Num::Int(-3)));
    assert_eq!(lit("1.5").num, Some(Num::Float(1.5)));
    assert_eq!(lit("true").boolean, Some(true));
    assert_eq!(lit("10.0.0.1").ip, Some("10.0.0.1".parse().unwrap()));
    assert_eq!(lit("10.0.0.1").num, None);
    assert_eq!(lit("::1").ip, Some("::1".parse().unwrap()));
    assert_eq!(
        lit("00:11:22:33:44:ff").mac,
        Some([0, 0x11, 0x22, 0x33, 0x44, 0xff])
    );
    assert!(lit("\"80\"").quoted && lit("\"80\"").num.is_none());
    assert_eq!(lit("GET").text, "GET");
}

#[test]
fn errors_with_positions() {
    let x = e("(tcp) )");
    assert_eq!(x.message, "unexpected \")\" at 6");
    assert_eq!((x.at, x.len), (6, 1));
    assert_eq!(e("tcp and )").message, "unexpected \")\" at 8");
    let x = e("tcp.port ==");
    assert_eq!(x.message, "expected a value after \"==\" at 11");
    assert_eq!(x.at, 11);
    assert_eq!(
        e("(tcp.port == )").message,
        "expected a value after \"==\" at 13"
    );
    assert_eq!(
        e("tcp.port == and").message,
        "expected a value after \"==\" at 12, found \"and\""
    );
    assert_eq!(
        e(r#"http.host == "abc"#).message,
        "unterminated string at 13"
    );
    let x = e("tcp.prot == 80");
    assert_eq!(
        x.message,
        "\"tcp.prot\" is not a known field or protocol (did you mean tcp.port?)"
    );
    assert_eq!((x.at, x.len), (0, 8));
    assert_eq!(
        e("foo.bar.baz").message,
        "\"foo.bar.baz\" is not a known field or protocol"
    );
    assert_eq!(e("(tcp").message, "missing \")\" for the \"(\" at 0");
    assert_eq!(e("tcp and").message, "expected a filter after \"and\" at 7");
    assert_eq!(e("not").message, "expected a filter after \"not\" at 3");
    assert_eq!(e("()").message, "empty parentheses at 0");
    assert_eq!(
        e("tcp.port in 80").message,
        "expected \"{\" after \"in\" at 12, found \"80\""
    );
    assert_eq!(e("tcp.port in {}").message, "empty set at 12");
    assert_eq!(
        e("tcp.port in {80").message,
        "missing \"}\" for the \"{\" at 12"
    );
    assert_eq!(
        e("http.host in {a..b}").message,
        "a range needs numbers on both sides of \"..\" at 15"
    );
    assert_eq!(e("\"x\" == 1").message, "unexpected \"\"x\"\" at 0");
    assert_eq!(e("tcp udp").message, "unexpected \"udp\" at 4");
    let x = e(r#"http.host matches "(""#);
    assert!(x.message.starts_with("invalid regex: "), "{}", x.message);
    assert_eq!((x.at, x.len), (18, 3));
}

/// An unquoted literal that cannot be a value of the field's type is an error where the
/// literal is; a quoted one is compared with the value's words.
#[test]
fn literals_are_checked_against_the_field_type() {
    let x = e("ip.addr == 999.1.1.1");
    assert_eq!(x.message, "\"999.1.1.1\" is not a valid IPv4 address");
    assert_eq!((x.at, x.len), (11, 9));
    assert_eq!(
        e("ip.addr == ::1").message,
        "\"::1\" is not a valid IPv4 address"
    );
    assert_eq!(
        e("ipv6.addr == 10.0.0.1").message,
        "\"10.0.0.1\" is not a valid IPv6 address"
    );
    assert_eq!(
        e("tcp.port in {a..b}").message,
        "\"a\" is not a valid unsigned integer"
    );
    assert_eq!(
        e("tcp.port > 1.5").message,
        "\"1.5\" is not a valid unsigned integer"
    );
    assert_eq!(
        e("tcp.flags.syn == 2").message,
        "\"2\" is not a valid boolean (true, false, 1 or 0)"
    );
    assert_eq!(
        e("eth.addr == 00:11:22").message,
        "\"00:11:22\" is not a valid MAC address"
    );
    assert_eq!(
        e("tcp.payload contains GET").message,
        "\"GET\" is not a valid byte string (such as 47:45:54)"
    );
    assert_eq!(
        e("frame.time_delta > soon").message,
        "\"soon\" is not a valid time in seconds"
    );
    for ok in [
        "ip.addr == 10.0.0.0/8",
        "ipv6.addr == ::/0",
        "ip.addr == \"999\"",
        "tcp.flags.syn == true",
        "tcp.flags.syn == 0",
        "eth.addr == 00:11:22:33:44:55",
        "tcp.payload contains 47:45:54",
        "tcp.payload contains \"GET\"",
        "frame.time_delta > 0.5",
        "websocket.opcode == Text",
        "http.host == 1.2.3.4",
    ] {
        assert!(parse_expr(ok).is_ok(), "{ok}");
    }
}

#[test]
fn nesting_is_limited() {
    let ok = format!("{}tcp{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(p(&ok), "tcp");
    let deep = format!(
        "{}tcp{}",
        "(".repeat(MAX_DEPTH + 1),
        ")".repeat(MAX_DEPTH + 1)
    );
    let x = e(&deep);
    assert_eq!(
        x.message,
        "filter nested too deeply at 64 (more than 64 levels)"
    );
    let nots = format!("{}tcp", "not ".repeat(MAX_DEPTH + 1));
    assert!(e(&nots).message.starts_with("filter nested too deeply"));
    let bangs = format!("{}tcp", "!".repeat(100_000));
    assert!(e(&bangs).message.starts_with("filter nested too deeply"));
    let parens = "(".repeat(100_000);
    assert!(e(&parens).message.starts_with("filter nested too deeply"));
    // Long flat chains are not nesting.
    let flat = vec!["tcp"; 10_000].join(" or ");
    assert!(parse_expr(&flat).is_ok());
}
