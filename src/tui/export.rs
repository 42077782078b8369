//! The export dialog: its keys, and a submitted export handed to a worker.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use super::model::{EXPORT_FORMATS, ExportDialog, ExportField, Model, Overlay};
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
            d.path = format!("{stem}.{}", EXPORT_FORMATS[d.format]);
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
    let format = match d.format {
        1 => Format::Json,
        2 => Format::Csv,
        3 => Format::Mooncake {
            block_size: crate::workload::mooncake::DEFAULT_BLOCK_SIZE,
        },
        _ => Format::Msgpack,
    };
    if matches!(format, Format::Mooncake { .. })
        && r.replay.models.iter().any(|m| m.tokens.is_none())
    {
        m.status = "Mooncake JSONL needs token counts, and this trace has none: export it from \
                    the command line with --tokens-from LLM_TRACE or --input-length N \
                    --output-length N"
            .into();
        return Vec::new();
    }
    let overwrite = d.confirm_overwrite;
    let replay = Arc::clone(&r.replay);
    m.overlay = Overlay::None;
    m.status = format!("exporting to {}…", path.display());
    let cancel = Arc::new(AtomicBool::new(false));
    m.exporting = Some(Arc::clone(&cancel));
    let to_file = matches!(target, crate::workload::Target::File(_));
    let provenance = (to_file && format.needs_provenance()).then(|| {
        let spec = crate::cli::ExportSpec {
            format,
            slo,
            only: only.clone(),
            input_length: None,
            output_length: None,
            tokens_from: None,
            tokens_by_hour: false,
        };
        let trace = m.current().map_or("sample", |t| t.name.as_str());
        let command = crate::cli::replay_command(trace, &m.load_options, &replay.params, &spec);
        (spec, command)
    });
    vec![Cmd::Export {
        replay,
        path,
        format,
        slo,
        overwrite,
        only,
        cancel,
        provenance,
    }]
}
