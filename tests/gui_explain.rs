//! The explanation of fields in the window, headless: selecting a field in the tree shows
//! its explanation under it, hovering one shows the first sentence.
#![cfg(feature = "gui")]

mod common;

use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use layerscope::explain;
use layerscope::gui::app::App;

/// The window on the sample, loaded, its first packet (a SYN) selected.
fn harness() -> Harness<'static, App> {
    common::window::window_on("socketio-chat.pcap")
}

fn entry(name: &str) -> &'static explain::Entry {
    explain::explain(name).unwrap_or_else(|| panic!("no explanation of {name}"))
}

/// Click the TCP layer's header in the tree (left of the OSI stack's row of it).
fn open_tcp_layer(h: &mut Harness<'static, App>) {
    let header = "Transmission Control Protocol, Src Port: 46234";
    h.get_all_by_label_contains(header)
        .min_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .expect("the TCP layer header")
        .scroll_to_me();
    h.run_steps(3);
    h.get_all_by_label_contains(header)
        .min_by(|a, b| a.rect().left().total_cmp(&b.rect().left()))
        .expect("the TCP layer header")
        .click();
    h.run_steps(3);
}

/// Scroll the tree until the field labelled `label` is in view (above the explanation).
fn show(h: &mut Harness<'static, App>, label: &str) {
    h.get_by_label(label).scroll_to_me();
    h.run_steps(3);
}

#[test]
fn selecting_a_field_shows_its_explanation_under_the_tree() {
    let mut h = harness();
    h.get_by_label_contains("Select a field (or a layer) to see what it means");
    open_tcp_layer(&mut h);
    // The layer itself is explained once selected.
    h.get_by_label("Explanation: Transmission Control Protocol (tcp)");
    h.get_by_label(entry("tcp").what.as_str());

    show(&mut h, "Source Port: 46234");
    h.get_by_label("Source Port: 46234").click();
    h.run_steps(3);
    h.get_by_label("Explanation: Source Port (tcp.srcport)");
    let e = entry("tcp.srcport");
    let what = h.get_by_label(e.what.as_str());
    // Under the tree, with why, the usual value and the standard.
    assert!(what.rect().top() > h.get_by_label("Source Port: 46234").rect().bottom());
    h.get_by_label(e.why.as_str());
    h.get_by_label(e.rfc.as_str());
    assert!(
        h.query_by_label(entry("tcp").what.as_str()).is_none(),
        "the layer's explanation is replaced"
    );
}

#[test]
fn hovering_a_field_shows_the_first_sentence_of_its_explanation() {
    let mut h = harness();
    open_tcp_layer(&mut h);
    let first = entry("tcp.dstport").first_sentence();
    assert!(h.query_by_label_contains(first).is_none());
    show(&mut h, "Destination Port: 18300");
    h.get_by_label("Destination Port: 18300").hover();
    // Tooltips wait for the pointer to rest.
    for _ in 0..60 {
        h.run_steps(1);
        if h.query_by_label_contains(first).is_some() {
            break;
        }
    }
    let tip = h.get_by_label_contains(first);
    // Then the field's name and bytes.
    let text = (tip.value())
        .or_else(|| tip.accesskit_node().label())
        .unwrap_or_default();
    assert!(text.ends_with("tcp.dstport  (bytes 36..38)"), "{text:?}");
}
