//! `layerscope messages --har`: HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/),
//! one entry per HTTP request with its response, and the WebSocket messages of an
//! upgraded connection in `_webSocketMessages`, the form browser DevTools export.

use serde_json::{json, Value};

use crate::analysis::http::StartLine;
use crate::store::Store;

/// The whole HAR document (see [`write_har`] for a capture of any size).
pub fn har(store: &Store) -> Value {
    let by_conn = messages_by_connection(store);
    let n = store.analysis.upper.http.messages.len();
    let entries: Vec<Value> = (0..n).filter_map(|i| entry(store, i, &by_conn)).collect();
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "layerscope", "version": env!("CARGO_PKG_VERSION")},
            "pages": [],
            "entries": entries,
        }
    })
}

/// The HAR document written to `out` one entry at a time, as [`har`] prints it
/// (pretty): memory holds one entry, not the document.
pub fn write_har(store: &Store, out: &mut impl std::io::Write) -> std::io::Result<()> {
    let by_conn = messages_by_connection(store);
    let creator = json!({"name": "layerscope", "version": env!("CARGO_PKG_VERSION")});
    let creator = serde_json::to_string_pretty(&creator).map_err(std::io::Error::other)?;
    let creator = creator.replace('\n', "\n    ");
    // Keys in the order serde_json prints an object's (sorted): creator, entries,
    // pages, version.
    write!(
        out,
        "{{\n  \"log\": {{\n    \"creator\": {creator},\n    \"entries\": ["
    )?;
    let mut first = true;
    for i in 0..store.analysis.upper.http.messages.len() {
        let Some(e) = entry(store, i, &by_conn) else {
            continue;
        };
        let text = serde_json::to_string_pretty(&e).map_err(std::io::Error::other)?;
        let sep = if first { "" } else { "," };
        write!(out, "{sep}\n      {}", text.replace('\n', "\n      "))?;
        first = false;
    }
    let close = if first { "]" } else { "\n    ]" };
    writeln!(
        out,
        "{close},\n    \"pages\": [],\n    \"version\": \"1.2\"\n  }}\n}}"
    )
}

/// The WebSocket messages of each connection, in order (one pass, not one per entry).
fn messages_by_connection(store: &Store) -> Vec<Vec<u32>> {
    let up = &store.analysis.upper;
    let mut by = vec![Vec::new(); up.ws_connections.len()];
    for (k, m) in up.ws_messages.iter().enumerate() {
        if let Some(v) = by.get_mut(m.connection as usize) {
            v.push(k as u32);
        }
    }
    by
}

/// The entry of HTTP message `i` if it is a request.
fn entry(store: &Store, i: usize, by_conn: &[Vec<u32>]) -> Option<Value> {
    let http = &store.analysis.upper.http;
    let up = &store.analysis.upper;
    let m = http.messages.get(i)?;
    if !m.is_request() {
        return None;
    }
    let req = store.http_head(i as u32)?;
    let StartLine::Request {
        method,
        target,
        version,
    } = &req.start
    else {
        return None;
    };
    let host = req.header("Host").unwrap_or("");
    let url = if target.starts_with("http://") || target.starts_with("https://") {
        target.clone()
    } else {
        format!("http://{host}{target}")
    };
    let headers = |h: &crate::analysis::http::ParsedHead| -> Vec<Value> {
        h.headers
            .iter()
            .map(|(n, v)| json!({"name": n, "value": v}))
            .collect()
    };
    let query: Vec<Value> = target
        .split_once('?')
        .map(|(_, q)| q)
        .unwrap_or("")
        .split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            json!({"name": k, "value": v})
        })
        .collect();
    let start_ts = store.ts_ns(m.head_packets.0);
    let req_end = store.ts_ns(m.end_packet.unwrap_or(m.head_packets.1));
    let resp_idx = m.answered_by;
    let resp = resp_idx.and_then(|j| Some((j, store.http_head(j)?)));
    let (response, wait_ms, recv_ms) = match &resp {
        Some((j, h)) => {
            let rm = &http.messages[*j as usize];
            let (code, reason, v) = match &h.start {
                StartLine::Response {
                    code,
                    reason,
                    version,
                } => (*code, reason.clone(), *version),
                StartLine::Request { .. } => (0, String::new(), 1),
            };
            let first = store.ts_ns(rm.head_packets.0);
            let last = store.ts_ns(rm.end_packet.unwrap_or(rm.head_packets.1));
            (
                json!({
                    "status": code,
                    "statusText": reason,
                    "httpVersion": format!("HTTP/1.{v}"),
                    "cookies": [],
                    "headers": headers(h),
                    "content": {
                        "size": rm.body_len,
                        "mimeType": h.header("Content-Type").unwrap_or(""),
                    },
                    "redirectURL": h.header("Location").unwrap_or(""),
                    "headersSize": rm.head_len,
                    "bodySize": rm.body_len,
                }),
                ms(first - req_end),
                ms(last - first),
            )
        }
        None => (
            json!({"status": 0, "statusText": "", "httpVersion": "", "cookies": [],
                   "headers": [], "content": {"size": 0, "mimeType": ""},
                   "redirectURL": "", "headersSize": -1, "bodySize": -1,
                   "_error": "no response captured"}),
            -1.0,
            -1.0,
        ),
    };
    let send_ms = ms(req_end - start_ts);
    let total = [send_ms, wait_ms, recv_ms]
        .iter()
        .filter(|x| **x >= 0.0)
        .sum::<f64>();
    let mut entry = json!({
        "startedDateTime": iso8601(start_ts),
        "time": total,
        "request": {
            "method": method,
            "url": url,
            "httpVersion": format!("HTTP/1.{version}"),
            "cookies": [],
            "headers": headers(&req),
            "queryString": query,
            "headersSize": m.head_len,
            "bodySize": m.body_len,
        },
        "response": response,
        "cache": {},
        "timings": {"send": send_ms, "wait": wait_ms, "receive": recv_ms},
        "connection": m.conversation.to_string(),
    });
    if let Some(w) = (http.websockets.iter()).position(|w| w.request == i as u32) {
        let conn = up
            .ws_connections
            .iter()
            .position(|c| c.handshake == Some(w as u32));
        let mine = conn
            .and_then(|c| by_conn.get(c))
            .map_or(&[][..], |v| &v[..]);
        let msgs: Vec<Value> = (mine.iter())
            .filter_map(|&k| Some((k, up.ws_messages.get(k as usize)?)))
            .map(|(k, x)| {
                let payload = store.ws_payload(k).unwrap_or_default();
                let data = match x.opcode {
                    crate::analysis::websocket::frame::OP_TEXT => {
                        String::from_utf8_lossy(&payload).into_owned()
                    }
                    _ => base64_encode(&payload),
                };
                json!({
                    "type": if x.dir.from_client() { "send" } else { "receive" },
                    "time": store.ts_ns(x.last_packet) as f64 / 1e9,
                    "opcode": x.opcode,
                    "data": data,
                })
            })
            .collect();
        entry["_resourceType"] = json!("websocket");
        entry["_webSocketMessages"] = Value::Array(msgs);
    }
    Some(entry)
}

fn base64_encode(b: &[u8]) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(b)
}

fn ms(ns: i64) -> f64 {
    (ns.max(0) as f64) / 1e6
}

/// `2026-11-26T10:55:00.123Z` from nanoseconds since the epoch (UTC).
pub fn iso8601(ts_ns: i64) -> String {
    let secs = ts_ns.div_euclid(1_000_000_000);
    let millis = ts_ns.rem_euclid(1_000_000_000) / 1_000_000;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = crate::dissect::fmt::civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{millis:03}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written an entry at a time, the document is the one built whole, byte for byte.
    #[test]
    fn the_streamed_document_is_the_built_one() {
        for name in ["socketio-chat.pcap", "http-get.pcap", "tcp-refused.pcap"] {
            let path = format!("{}/samples/{name}", env!("CARGO_MANIFEST_DIR"));
            let store = Store::build(crate::capture::Capture::open(path.as_ref()).unwrap());
            let mut out = Vec::new();
            write_har(&store, &mut out).unwrap();
            let whole = serde_json::to_string_pretty(&har(&store)).unwrap() + "\n";
            assert_eq!(String::from_utf8(out).unwrap(), whole, "{name}");
        }
    }

    #[test]
    fn iso8601_dates() {
        assert_eq!(iso8601(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day) 12:34:56.789
        assert_eq!(iso8601(951_827_696_789_000_000), "2000-02-29T12:34:56.789Z");
        assert_eq!(
            iso8601(1_795_000_000_000_000_000),
            "2026-11-18T11:06:40.000Z"
        );
    }
}
