//! Analysis flags turned into evidence: tagging the model calls behind flagged accounts. Lives
//! in review (tags are review state) over the analysis that `calls` provides.

use super::{Propagate, Target};
use crate::error::Result;
use crate::modellogs::Report;
use crate::Matter;

impl Matter {
    /// Tags the calls of every flagged account (the evidence behind the flags), in one audited
    /// transaction. Returns how many calls changed.
    pub fn tag_flagged_calls(&mut self, report: &Report, tag: &str) -> Result<u64> {
        let mut ids = Vec::new();
        for acc in report.accounts.iter().filter(|a| a.flagged) {
            ids.extend(self.group_calls(report.group_by, &acc.account)?.into_iter().map(|c| c.id.to_string()));
        }
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(self.tag_add(tag, &Target::Items(ids), Propagate::default())?.changed)
    }
}
