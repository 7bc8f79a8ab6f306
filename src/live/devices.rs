//! The interfaces libpcap can capture on, and capture filters checked before a capture
//! starts. Neither opens a device (listing and compiling need no privileges); capturing is
//! the helper's. Without the `live` feature (no libpcap) both say so.

use serde::Serialize;

/// One interface, as `layerscope interfaces` and the window's list show it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Iface {
    /// 1-based, in the order listed (loopback first), as `tshark -D` numbers them.
    pub index: usize,
    pub name: String,
    pub description: Option<String>,
    pub addresses: Vec<String>,
    pub up: bool,
    pub running: bool,
    pub loopback: bool,
    pub wireless: bool,
}

impl Iface {
    /// The flags in words: `up, running, loopback`.
    pub fn flags_text(&self) -> String {
        let flags = [
            (self.up, "up"),
            (self.running, "running"),
            (self.loopback, "loopback"),
            (self.wireless, "wireless"),
        ];
        let words: Vec<&str> = flags.iter().filter(|f| f.0).map(|f| f.1).collect();
        words.join(", ")
    }
}

/// Why nothing can be listed or compiled in a build without libpcap.
#[cfg(not(feature = "live"))]
const NO_LIVE: &str = "this layerscope was built without live capture (the `live` feature)";

/// Every interface libpcap knows, loopback first, then up before down, then by name.
#[cfg(not(feature = "live"))]
pub fn list() -> Result<Vec<Iface>, String> {
    Err(NO_LIVE.into())
}

/// Every interface libpcap knows, loopback first, then up before down, then by name.
#[cfg(feature = "live")]
pub fn list() -> Result<Vec<Iface>, String> {
    let devices = pcap::Device::list().map_err(|e| format!("cannot list interfaces: {e}"))?;
    let mut out: Vec<Iface> = devices
        .into_iter()
        .map(|d| Iface {
            index: 0,
            addresses: d.addresses.iter().map(|a| a.addr.to_string()).collect(),
            up: d.flags.is_up(),
            running: d.flags.is_running(),
            loopback: d.flags.is_loopback(),
            wireless: d.flags.is_wireless(),
            description: d.desc,
            name: d.name,
        })
        .collect();
    sort(&mut out);
    Ok(out)
}

/// Loopback first, then interfaces that are up, then the rest; numbered from 1.
#[cfg(feature = "live")]
fn sort(ifaces: &mut [Iface]) {
    ifaces.sort_by(|a, b| {
        (!a.loopback, !a.up, a.name == "any", &a.name).cmp(&(
            !b.loopback,
            !b.up,
            b.name == "any",
            &b.name,
        ))
    });
    for (i, f) in ifaces.iter_mut().enumerate() {
        f.index = i + 1;
    }
}

/// The link type libpcap opens `iface` with on Linux: cooked capture for `any`, Ethernet
/// for the rest (loopback included). Filters are compiled against it.
pub fn link_type_of(iface: &str) -> u16 {
    if iface == "any" {
        113
    } else {
        1
    }
}

/// Compiles a capture filter for `iface` without opening it (this build cannot).
#[cfg(not(feature = "live"))]
pub fn check_filter(filter: &str, _iface: &str) -> Result<(), String> {
    if filter.trim().is_empty() {
        return Ok(());
    }
    Err(NO_LIVE.into())
}

/// Compiles a capture filter for `iface` without opening it; libpcap's own message if it
/// does not compile. An empty filter is fine.
#[cfg(feature = "live")]
pub fn check_filter(filter: &str, iface: &str) -> Result<(), String> {
    if filter.trim().is_empty() {
        return Ok(());
    }
    let lt = pcap::Linktype(i32::from(link_type_of(iface)));
    let dead = pcap::Capture::dead(lt).map_err(|e| e.to_string())?;
    dead.compile(filter, true).map(|_| ()).map_err(|e| match e {
        pcap::Error::PcapError(m) => m,
        other => other.to_string(),
    })
}

#[cfg(all(test, feature = "live"))]
mod tests {
    use super::*;

    #[test]
    fn filters_are_checked_by_libpcap() {
        assert_eq!(check_filter("", "lo"), Ok(()));
        assert_eq!(check_filter("tcp port 8080", "lo"), Ok(()));
        assert_eq!(
            check_filter("tcp port 80 and host 127.0.0.1", "any"),
            Ok(())
        );
        let err = check_filter("tcp port", "lo").unwrap_err();
        assert!(err.contains("syntax error"), "{err}");
        let err = check_filter("port 99999", "lo").unwrap_err();
        assert!(err.contains("99999"), "{err}");
    }

    #[test]
    fn loopback_is_listed_first() {
        let f = |name: &str, loopback, up| Iface {
            index: 0,
            name: name.into(),
            description: None,
            addresses: vec![],
            up,
            running: up,
            loopback,
            wireless: false,
        };
        let mut v = vec![
            f("any", false, true),
            f("eth1", false, false),
            f("eth0", false, true),
            f("lo", true, true),
        ];
        sort(&mut v);
        let names: Vec<&str> = v.iter().map(|i| i.name.as_str()).collect();
        assert_eq!(names, ["lo", "eth0", "any", "eth1"]);
        assert_eq!(v[0].index, 1);
        assert_eq!(v[0].flags_text(), "up, running, loopback");
        // The machine's own list has loopback first too.
        if let Ok(real) = list() {
            if let Some(lo) = real.iter().position(|i| i.loopback) {
                assert_eq!(lo, 0, "{real:?}");
            }
        }
    }
}
