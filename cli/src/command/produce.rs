//! `exhibit produce`: `Matter::produce` with a progress bar on a terminal and Ctrl-C as the
//! cancel flag; `exhibit productions`: the matter's productions.

use super::{Context, Outcome};
use crate::args::{ImagesArg, NativesArg, PrivilegedArg, ProduceArgs};
use crate::failure::Failure;
use exhibit::produce::{ImageProfile, Natives, Privileged, ProduceOptions, ProduceProgress, Selection};
use std::io::IsTerminal;
use std::sync::atomic::AtomicBool;
use std::sync::Arc;

pub fn run(cx: &Context, a: ProduceArgs) -> Result<Outcome, Failure> {
    let mut m = cx.open()?;
    let selection = match (a.query, a.tag) {
        (Some(q), _) => Selection::Query(q),
        (None, Some(t)) => Selection::Tag(t),
        (None, None) => unreachable!("clap requires --query or --tag"),
    };
    let mut opts = ProduceOptions::new(selection, &a.prefix, a.out);
    opts.start = a.start;
    opts.digits = a.digits;
    opts.volume = a.volume;
    opts.endorse = a.endorse;
    opts.images = match a.images {
        ImagesArg::Pdf => ImageProfile::Pdf,
        ImagesArg::Tiff => ImageProfile::Tiff,
    };
    opts.natives = match a.natives {
        NativesArg::None => Natives::None,
        NativesArg::Unredacted => Natives::Unredacted,
        NativesArg::AllSpreadsheets => Natives::AllSpreadsheets,
    };
    opts.privileged = match a.privileged {
        PrivilegedArg::Withhold => Privileged::Withhold,
        PrivilegedArg::Redact => Privileged::Redact,
    };
    opts.dry_run = a.dry_run;
    let cancel = Arc::new(AtomicBool::new(false));
    super::ingest::cancel_on_ctrl_c(cancel.clone());
    let tty = std::io::stderr().is_terminal();
    let show = |p: &ProduceProgress| {
        if tty {
            let eta = p.eta_seconds.map(|s| format!(", about {s:.0} s left")).unwrap_or_default();
            eprint!(
                "\r\x1b[2K{}: {}/{} documents, {} pages ({:.1} pages/s{eta})",
                p.stage, p.documents_done, p.documents, p.pages_done, p.pages_per_second
            );
        }
    };
    let report = m.produce(&opts, &show, &cancel)?;
    if tty {
        eprintln!();
    }
    cx.out.answer(&report)?;
    Ok(match &report.verification {
        Some(v) if !v.ok => Outcome::Failed,
        _ => Outcome::Done,
    })
}

pub fn list(cx: &Context) -> Result<Outcome, Failure> {
    let list = exhibit::produce::ProductionList { productions: cx.open()?.productions()? };
    cx.out.answer(&list)?;
    Ok(Outcome::Done)
}
