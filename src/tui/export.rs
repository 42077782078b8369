//! The export dialog: its keys, and a submitted export handed to a worker.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::model::{EXPORT_FORMATS, ExportDialog, ExportField, Model, Overlay, TokensChoice};
use super::update::{Action, Cmd, edit_text};
use crate::workload::Format;

pub(super) fn act_export(m: &mut Model, a: Action) -> Vec<Cmd> {
    let Overlay::Export(d) = &mut m.overlay else {
        return Vec::new();
    };
    match a {
        Action::Cancel | Action::Quit => m.overlay = Overlay::None,
        Action::Up => {
            d.cursor = d.cursor.prev();
            m.caret = None;
        }
        Action::Down | Action::FocusNext => {
            d.cursor = d.cursor.next();
            m.caret = None;
        }
        Action::Left | Action::Right if d.cursor == ExportDialog::FORMAT => {
            let n = EXPORT_FORMATS.len();
            d.format = (d.format + if a == Action::Right { 1 } else { n - 1 }) % n;
            let stem = d
                .path
                .rsplit_once('.')
                .map_or(d.path.as_str(), |(s, _)| s)
                .to_string();
            d.path = format!("{stem}.{}", EXPORT_FORMATS[d.format].ext);
        }
        Action::Type(_) | Action::Backspace | Action::Edit(_)
            if d.cursor != ExportDialog::FORMAT =>
        {
            if d.cursor == ExportField::Path {
                d.confirm_overwrite = false;
            }
            edit_text(m, a);
        }
        Action::Enter => return submit_export(m),
        _ => {}
    }
    Vec::new()
}

pub(super) fn submit_export(m: &mut Model) -> Vec<Cmd> {
    if let Some((_, why)) = &m.field_error {
        m.status = format!(
            "a parameter is invalid ({why}): fix it (✗ in the form) before exporting, or the \
             export would be the last good replay, not what the form says"
        );
        return Vec::new();
    }
    let (Overlay::Export(d), Some(r)) = (&mut m.overlay, m.result.as_ref()) else {
        return Vec::new();
    };
    let Ok(slo) = d.slo.trim().parse::<f64>() else {
        m.status = format!("SLO {:?} is not a number of seconds", d.slo);
        return Vec::new();
    };
    let only = d.chosen_models();
    if let Some(bad) = only
        .iter()
        .flatten()
        .find(|name| !r.replay.params.models.contains(name))
    {
        m.status = format!(
            "no model named {bad:?}; the models are {}",
            r.replay.params.models.join(", ")
        );
        return Vec::new();
    }
    let path = super::complete::expand_home(d.path.trim());
    let target = if path.as_os_str().is_empty() {
        Err("give the workload a file path".to_string())
    } else if path.as_os_str() == "-" {
        Err(
            "the explorer writes files: give a path (`tracereplay-tui replay … -o -` writes to \
             standard output)"
                .to_string(),
        )
    } else {
        crate::workload::Target::resolve(&path).map_err(|e| e.to_string())
    };
    let target = match target {
        Ok(t) => t,
        Err(why) => {
            m.status = why;
            return Vec::new();
        }
    };
    if target.replaces_a_file() && !d.confirm_overwrite {
        d.confirm_overwrite = true;
        m.status = format!(
            "{} exists: press Enter again to overwrite, Esc to cancel",
            path.display()
        );
        return Vec::new();
    }
    // The typed extension decides between formats of different extensions (t1.csv with msgpack
    // chosen is CSV); an extension that names none is refused, as on the command line.
    let chosen = EXPORT_FORMATS[d.format];
    let Ok(mut format) = chosen.name.parse::<Format>() else {
        return Vec::new();
    };
    let typed_ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    if typed_ext.as_deref() != Some(chosen.ext) {
        match Format::from_path(&path) {
            Ok(f) => format = f,
            Err(e) => {
                m.status = e.to_string();
                return Vec::new();
            }
        }
    }
    let choice = match d.tokens_choice() {
        Ok(c) => c,
        Err(why) => {
            m.status = why;
            return Vec::new();
        }
    };
    let (lengths, tokens_from) = match &choice {
        TokensChoice::Trace => (None, None),
        TokensChoice::Constant(i, o) => (Some((*i, *o)), None),
        TokensChoice::From(p) => (None, Some(p.clone())),
    };
    // The options of the formats that have them, as on the command line.
    match &mut format {
        Format::Mooncake { block_size } => match d.block.trim().parse::<u32>() {
            Ok(b) if b > 0 => *block_size = b,
            _ => {
                m.status = format!(
                    "block {:?}: tokens per hash id is a whole number ≥ 1 (512 is AIPerf's)",
                    crate::quote::quoted(&d.block)
                );
                return Vec::new();
            }
        },
        Format::Invitro { duration_us } => match d.duration.trim().parse::<f64>() {
            Ok(s) if crate::workload::RUN_SECONDS.contains(&s) => {
                *duration_us = (s * 1e6).round() as u64;
            }
            _ => {
                m.status = format!(
                    "run s {:?}: how long every request runs, 1 µs to a day in seconds",
                    crate::quote::quoted(&d.duration)
                );
                return Vec::new();
            }
        },
        _ => {}
    }
    if format.needs_tokens()
        && choice == TokensChoice::Trace
        && r.replay.models.iter().any(|m| m.tokens.is_none())
    {
        m.status = format!(
            "{format} needs each request's tokens, and this trace has none: type constants in \
             the tokens field (IN/OUT, e.g. 512/64), or the path of an LLM trace to draw them \
             from"
        );
        return Vec::new();
    }
    // The parameters file beside it is checked before anything is written.
    if format.needs_provenance()
        && let Some(beside) = crate::cli::params_path(&path)
    {
        match crate::workload::Target::resolve(&beside) {
            Ok(t) if t.replaces_a_file() && !d.confirm_overwrite => {
                d.confirm_overwrite = true;
                m.status = format!(
                    "{} exists: press Enter again to overwrite it and the export, Esc to cancel",
                    beside.display()
                );
                return Vec::new();
            }
            Ok(crate::workload::Target::File(_)) => {}
            Ok(_) => {
                m.status = format!(
                    "{} cannot hold the export's parameters: choose another path",
                    beside.display()
                );
                return Vec::new();
            }
            Err(e) => {
                m.status = e.to_string();
                return Vec::new();
            }
        }
    }
    let overwrite = d.confirm_overwrite;
    let replay = Arc::clone(&r.replay);
    let trace = Arc::clone(&r.trace);
    m.overlay = Overlay::None;
    m.status = format!("exporting to {}…", path.display());
    let cancel = Arc::new(AtomicBool::new(false));
    m.exporting = Some(Arc::clone(&cancel));
    let to_file = matches!(target, crate::workload::Target::File(_));
    let spec = crate::workload::ExportSpec {
        format,
        slo,
        only,
        input_length: lengths.map(|l| l.0),
        output_length: lengths.map(|l| l.1),
        tokens_from,
        tokens_by_hour: false,
    };
    let command = (to_file && format.needs_provenance()).then(|| {
        let trace = m.current().map_or("sample", |t| t.name.as_str());
        crate::cli::replay_command(trace, &m.load_options, &replay.params, &spec)
    });
    vec![Cmd::Export {
        replay,
        trace,
        path,
        spec,
        overwrite,
        cancel,
        command,
    }]
}
