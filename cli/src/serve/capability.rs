//! Capability URLs: how an `<img>` or a download link loads an item's bytes without the token.
//!
//! The access token lives in the page's memory and travels only in a request header, which an
//! `<img src>` or `<a href download>` cannot send. So for those loads the page asks (with the
//! token) for a capability: `EXPIRY.MAC`, where MAC = HMAC-SHA256 under a secret drawn afresh for
//! every run of the server, over the open matter's folder, one item id, one resource (its page
//! images, or its original) and the expiry. A capability copied out of the page therefore opens
//! only that item's pages or original, only in the matter that was open, only until it expires,
//! and never after the server restarts.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use std::fmt;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// How long a capability works. The viewer asks for a fresh one a minute before it runs out.
pub const TTL: Duration = Duration::from_secs(15 * 60);

/// What a capability opens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    /// The rendered page images of a PDF item (any page, any scale).
    Pages,
    /// The item's original bytes, as a download.
    Original,
}

impl Resource {
    fn name(self) -> &'static str {
        match self {
            Resource::Pages => "pages",
            Resource::Original => "original",
        }
    }
}

/// Why a capability was not honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CapRefused {
    Malformed,
    Expired,
    /// Signed for another item, resource or matter, or not by this run of the server.
    WrongItem,
}

impl fmt::Display for CapRefused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            CapRefused::Malformed => "this link to an item is damaged: open the item again in Exhibit",
            CapRefused::Expired => "this link to an item has expired: open the item again in Exhibit to get a fresh one",
            CapRefused::WrongItem => {
                "this link does not open this item: a link opens one item of the open matter, for a limited time, from the Exhibit window that asked for it"
            }
        })
    }
}

/// The per-run signing secret.
pub struct Capabilities {
    secret: [u8; 32],
}

/// Seconds since the Unix epoch, now.
pub fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0)
}

impl Capabilities {
    pub fn new(secret: [u8; 32]) -> Capabilities {
        Capabilities { secret }
    }

    fn mac(&self, matter: &Path, id: i64, resource: Resource, expires: u64) -> Hmac<Sha256> {
        let mut mac = Hmac::<Sha256>::new_from_slice(&self.secret).expect("HMAC takes a key of any length");
        // Length-prefixed fields, so no two different tuples sign the same bytes.
        for field in [
            b"exhibit-capability-v1".as_slice(),
            matter.as_os_str().as_encoded_bytes(),
            id.to_string().as_bytes(),
            resource.name().as_bytes(),
            expires.to_string().as_bytes(),
        ] {
            mac.update(&(field.len() as u64).to_be_bytes());
            mac.update(field);
        }
        mac
    }

    /// The capability for `resource` of item `id` in the matter at `matter`, valid until
    /// `expires` (Unix seconds): `EXPIRES.HEXMAC`.
    pub fn grant(&self, matter: &Path, id: i64, resource: Resource, expires: u64) -> String {
        format!("{expires}.{}", hex::encode(self.mac(matter, id, resource, expires).finalize().into_bytes()))
    }

    /// Whether `cap` opens `resource` of the item the URL names as `id` (exactly the decimal id
    /// it was granted for) in the matter at `matter`, at time `now`.
    pub fn check(&self, matter: &Path, id: &str, resource: Resource, cap: &str, now: u64) -> Result<(), CapRefused> {
        let (expires, mac) = cap.split_once('.').ok_or(CapRefused::Malformed)?;
        let expires: u64 = expires.parse().map_err(|_| CapRefused::Malformed)?;
        let mac = hex::decode(mac).map_err(|_| CapRefused::Malformed)?;
        let id_n: i64 = id.parse().map_err(|_| CapRefused::WrongItem)?;
        if id_n.to_string() != id {
            return Err(CapRefused::WrongItem);
        }
        // Constant-time comparison inside verify_slice.
        self.mac(matter, id_n, resource, expires).verify_slice(&mac).map_err(|_| CapRefused::WrongItem)?;
        if now > expires {
            return Err(CapRefused::Expired);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_capability_opens_one_resource_of_one_item_until_it_expires() {
        let caps = Capabilities::new([7; 32]);
        let m = Path::new("/matters/a");
        let cap = caps.grant(m, 5, Resource::Pages, 1000);
        assert_eq!(caps.check(m, "5", Resource::Pages, &cap, 999), Ok(()));
        assert_eq!(caps.check(m, "5", Resource::Pages, &cap, 1000), Ok(()));
        assert_eq!(caps.check(m, "5", Resource::Pages, &cap, 1001), Err(CapRefused::Expired));
        assert_eq!(caps.check(m, "6", Resource::Pages, &cap, 999), Err(CapRefused::WrongItem));
        assert_eq!(caps.check(m, "05", Resource::Pages, &cap, 999), Err(CapRefused::WrongItem));
        assert_eq!(caps.check(m, "EXH-0000005", Resource::Pages, &cap, 999), Err(CapRefused::WrongItem));
        assert_eq!(caps.check(m, "5", Resource::Original, &cap, 999), Err(CapRefused::WrongItem));
        assert_eq!(caps.check(Path::new("/matters/b"), "5", Resource::Pages, &cap, 999), Err(CapRefused::WrongItem));
        // A later expiry cannot be written in by hand, and another run's secret signs differently.
        let stretched = cap.replacen("1000.", "9999.", 1);
        assert_eq!(caps.check(m, "5", Resource::Pages, &stretched, 999), Err(CapRefused::WrongItem));
        assert_eq!(Capabilities::new([8; 32]).check(m, "5", Resource::Pages, &cap, 999), Err(CapRefused::WrongItem));
        for bad in ["", "1000", "x.y", "1000.zz", "1000."] {
            assert!(caps.check(m, "5", Resource::Pages, bad, 999).is_err(), "{bad}");
        }
    }
}
