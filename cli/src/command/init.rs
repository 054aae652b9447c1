//! `exhibit init DIR`: the API's `create_matter`.

use super::{Context, Outcome};
use crate::args::InitArgs;
use crate::failure::Failure;
use exhibit::Matter;

pub fn run(cx: &Context, a: InitArgs) -> Result<Outcome, Failure> {
    let name = a.name.unwrap_or_else(|| a.dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default());
    // The same answer as `create_matter`: the matter's folder, name and (no) items.
    let summary = Matter::create(&a.dir, &name)?.summary()?;
    cx.out.answer(&summary)?;
    Ok(Outcome::Done)
}
