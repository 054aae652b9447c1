//! Who is acting: the name every audit entry, tag, note, rule and redaction records.
//!
//! A transport names the person once for its process — the CLI from `--actor` or
//! `EXHIBIT_ACTOR`, `exhibit serve` and the desktop app through their API session
//! (`api::Session::set_actor`) — and everything the process writes carries that name. Unnamed,
//! it is the operating-system account running Exhibit (from the password database, so it works
//! where `$USER` is unset, as in services and containers), never "unknown".

use std::sync::RwLock;

static ACTOR: RwLock<Option<String>> = RwLock::new(None);

/// Names who acts for the rest of this process; `None` (or a blank name) goes back to the
/// `EXHIBIT_ACTOR` variable, then the operating-system account.
pub fn set_actor(name: Option<&str>) {
    let name = name.map(str::trim).filter(|n| !n.is_empty()).map(str::to_string);
    *ACTOR.write().unwrap_or_else(|e| e.into_inner()) = name;
}

/// Who is acting now: the name set with [`set_actor`], else `EXHIBIT_ACTOR`, else the
/// operating-system account.
pub fn actor() -> String {
    if let Some(name) = ACTOR.read().unwrap_or_else(|e| e.into_inner()).clone() {
        return name;
    }
    match std::env::var("EXHIBIT_ACTOR") {
        Ok(name) if !name.trim().is_empty() => name.trim().to_string(),
        _ => os_user(),
    }
}

/// The operating-system account running this process: its login name from the password
/// database, else `$USER` or `$LOGNAME`, else `uid N`.
pub fn os_user() -> String {
    #[cfg(unix)]
    if let Some(name) = passwd_name() {
        return name;
    }
    for var in ["USER", "LOGNAME", "USERNAME"] {
        if let Ok(name) = std::env::var(var) {
            if !name.trim().is_empty() {
                return name;
            }
        }
    }
    unnamed_account()
}

/// An account with no name anywhere: its number.
#[cfg(unix)]
fn unnamed_account() -> String {
    // SAFETY: geteuid has no preconditions and cannot fail.
    format!("uid {}", unsafe { libc::geteuid() })
}

#[cfg(not(unix))]
fn unnamed_account() -> String {
    "unknown account".into()
}

#[cfg(unix)]
fn passwd_name() -> Option<String> {
    let mut buf = vec![0 as libc::c_char; 4096];
    // SAFETY: `passwd` is plain data (integers and pointers), valid when zeroed.
    let mut pwd: libc::passwd = unsafe { std::mem::zeroed() };
    let mut found: *mut libc::passwd = std::ptr::null_mut();
    // SAFETY: every pointer is to live storage of the stated size; getpwuid_r writes only there
    // and sets `found` to `&pwd` or null.
    let rc = unsafe { libc::getpwuid_r(libc::geteuid(), &mut pwd, buf.as_mut_ptr(), buf.len(), &mut found) };
    if rc != 0 || found.is_null() || pwd.pw_name.is_null() {
        return None;
    }
    // SAFETY: on success pw_name points into `buf`, NUL-terminated.
    let name = unsafe { std::ffi::CStr::from_ptr(pwd.pw_name) }.to_string_lossy().into_owned();
    (!name.is_empty()).then_some(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_account_is_named_without_user_set() {
        let name = os_user();
        assert!(!name.is_empty() && name != "unknown", "{name}");
        #[cfg(unix)]
        if let Some(from_passwd) = passwd_name() {
            assert_eq!(name, from_passwd, "the password database names the account first");
        }
    }
}
