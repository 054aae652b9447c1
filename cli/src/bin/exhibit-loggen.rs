//! exhibit-loggen: write labelled synthetic model-API traffic (deterministic per seed).
//!
//!   exhibit-loggen --out DIR [--seed N] [--days N] [--scale X] [--format canonical|openai|litellm]
//!                  [--suspect N --copy-fraction F]
//!
//! Writes DIR/calls.jsonl, DIR/labels.json (account → population, campaign flag) and, with
//! --suspect, DIR/suspect.jsonl ({prompt, output}) plus DIR/suspect_planted.json.

use std::io::Write;

use clap::Parser;
use exhibit::modellogs::generate::{generate, suspect_outputs, to_line, GenConfig, OutFormat};

#[derive(Parser)]
#[command(name = "exhibit-loggen", about = "Generate labelled model-API logs for testing distillation analysis")]
struct Args {
    #[arg(long)]
    out: std::path::PathBuf,
    #[arg(long, default_value_t = 1)]
    seed: u64,
    #[arg(long, default_value_t = 14)]
    days: u32,
    #[arg(long, default_value_t = 1.0)]
    scale: f64,
    #[arg(long, default_value = "canonical")]
    format: String,
    /// Extra words per completion (to reach realistic line sizes).
    #[arg(long, default_value_t = 0)]
    pad_words: usize,
    /// Number of suspect-model answers to write (0: none).
    #[arg(long, default_value_t = 0)]
    suspect: usize,
    #[arg(long, default_value_t = 0.3)]
    copy_fraction: f64,
}

fn main() -> std::io::Result<()> {
    let a = Args::parse();
    let fmt = match a.format.as_str() {
        "canonical" => OutFormat::Canonical,
        "openai" | "openai_chat" => OutFormat::OpenAiChat,
        "litellm" => OutFormat::LiteLlm,
        f => {
            eprintln!("unknown --format {f} (canonical, openai, litellm)");
            std::process::exit(2);
        }
    };
    std::fs::create_dir_all(&a.out)?;
    let cfg = GenConfig { seed: a.seed, days: a.days, scale: a.scale, extra_completion_words: a.pad_words, ..Default::default() };
    let mut w = std::io::BufWriter::with_capacity(1 << 20, std::fs::File::create(a.out.join("calls.jsonl"))?);
    let mut n = 0u64;
    let mut pool: Vec<(String, String)> = vec![];
    let mut rng = exhibit::modellogs::generate::Rng::new(a.seed ^ 77);
    let labels = generate(&cfg, &mut |c| {
        n += 1;
        let _ = writeln!(w, "{}", to_line(&c, fmt));
        if a.suspect > 0 && (pool.len() < a.suspect * 4) && rng.chance(0.05) {
            pool.push((c.last_user_text().to_string(), c.completion.clone().unwrap_or_default()));
        }
    });
    w.flush()?;
    std::fs::write(a.out.join("labels.json"), serde_json::to_vec_pretty(&labels)?)?;
    if a.suspect > 0 {
        pool.truncate(a.suspect);
        let (outs, planted) = suspect_outputs(a.seed, &pool, a.copy_fraction);
        let mut w = std::io::BufWriter::new(std::fs::File::create(a.out.join("suspect.jsonl"))?);
        for (p, o) in &outs {
            writeln!(w, "{}", serde_json::json!({"prompt": p, "output": o}))?;
        }
        let rate = planted.iter().filter(|x| **x).count() as f64 / planted.len().max(1) as f64;
        std::fs::write(
            a.out.join("suspect_planted.json"),
            serde_json::to_vec_pretty(&serde_json::json!({"copy_fraction": a.copy_fraction, "planted_rate": rate, "planted": planted}))?,
        )?;
    }
    eprintln!("wrote {n} calls, {} accounts to {}", labels.accounts.len(), a.out.display());
    Ok(())
}
