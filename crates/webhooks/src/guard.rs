//! Which addresses a webhook may reach: only globally reachable unicast,
//! per the IANA special-purpose address registries.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// What the guard lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GuardOptions {
    /// Allow `http://` and loopback addresses (development and tests only).
    /// Private, link-local and metadata addresses stay refused.
    pub allow_loopback: bool,
}

/// Why an address may not be reached, or `None` when it may.
///
/// Only globally reachable unicast addresses pass, per the IANA IPv4 and
/// IPv6 special-purpose address registries. IPv6 is checked as an allowlist
/// (global unicast `2000::/3` less its special blocks), so forms that embed
/// an IPv4 address (IPv4-compatible, SIIT, 6to4, Teredo, NAT64) or are
/// obsolete (site-local) cannot slip past a list of forbidden prefixes.
#[must_use]
pub fn forbidden(ip: IpAddr, options: GuardOptions) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4, options),
        IpAddr::V6(v6) => forbidden_v6(v6, options),
    }
}

fn forbidden_v6(v6: Ipv6Addr, options: GuardOptions) -> Option<&'static str> {
    let seg = v6.segments();
    let o = v6.octets();
    let embedded = |at: usize| Ipv4Addr::new(o[at], o[at + 1], o[at + 2], o[at + 3]);
    if let Some(v4) = v6.to_ipv4_mapped() {
        return forbidden_v4(v4, options);
    }
    if v6.is_loopback() {
        return (!options.allow_loopback).then_some("a loopback address");
    }
    if seg[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
        return forbidden_v4(embedded(12), options).map(|_| "a translated private address");
    }
    if seg[0] & 0xe000 != 0x2000 {
        return Some(match seg[0] {
            0 if v6.is_unspecified() => "the unspecified address",
            0 => "an IPv4-compatible, translated or reserved address",
            s if s & 0xfe00 == 0xfc00 => "a private (unique local) address",
            s if s & 0xffc0 == 0xfe80 => "a link-local address",
            s if s & 0xffc0 == 0xfec0 => "a site-local address",
            s if s & 0xff00 == 0xff00 => "a multicast address",
            _ => "a reserved or special-purpose address",
        });
    }
    match seg[0] {
        // 2001::/23: IETF protocol assignments, Teredo (2001::/32) among them.
        0x2001 if seg[1] < 0x0200 => Some("a special-purpose address (Teredo, benchmarking, ORCHID)"),
        0x2001 if seg[1] == 0x0db8 => Some("a documentation address"),
        // 6to4 embeds the IPv4 address it reaches in bits 16..48.
        0x2002 => forbidden_v4(embedded(2), options).map(|_| "a 6to4 address of a private network"),
        s if s & 0xfff0 == 0x3ff0 => Some("a documentation address"),
        _ => None,
    }
}

fn forbidden_v4(ip: Ipv4Addr, options: GuardOptions) -> Option<&'static str> {
    let [a, b, c, _] = ip.octets();
    if ip.is_loopback() {
        (!options.allow_loopback).then_some("a loopback address")
    } else if ip.is_private() {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address (cloud metadata lives here)")
    } else if ip.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a shared (carrier-grade NAT) address")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("a benchmarking address")
    } else if (a, b, c) == (192, 0, 0) {
        Some("an IETF protocol address")
    } else if matches!((a, b, c), (192, 0, 2) | (198, 51, 100) | (203, 0, 113)) {
        Some("a documentation address")
    } else if (a, b, c) == (192, 88, 99) {
        Some("a 6to4 relay address")
    } else if ip.is_multicast() || ip.is_broadcast() || a >= 240 {
        Some("a multicast or reserved address")
    } else {
        None
    }
}
