//! The workload as CSV: one row per request after two `#` lines, the second holding the
//! parameters as JSON.

use std::io::Write;

use super::{FORMAT_NAME, FORMAT_VERSION, Workload};

impl Workload {
    pub(super) fn encode_csv(&self, out: &mut impl Write) -> std::io::Result<()> {
        let params = serde_json::to_string(&self.params).map_err(std::io::Error::other)?;
        writeln!(out, "# {FORMAT_NAME} v{FORMAT_VERSION}")?;
        writeln!(out, "# params: {params}")?;
        let tokens = self.input_tokens.as_ref().zip(self.output_tokens.as_ref());
        let extra = if tokens.is_some() {
            ",input_tokens,output_tokens"
        } else {
            ""
        };
        let images = self.num_images.as_ref();
        let image_col = if images.is_some() { ",num_images" } else { "" };
        writeln!(out, "index,arrival,model,slo{extra}{image_col}")?;
        for i in 0..self.len() {
            // `{:?}` prints the shortest text that reads back to the same f64, and keeps a
            // float a float (`1.0`, not `1`, which pandas reads as an integer column).
            write!(
                out,
                "{i},{:?},{},{:?}",
                self.arrival[i],
                csv_field(&self.models[self.model[i] as usize]),
                self.slo[i]
            )?;
            if let Some((a, b)) = tokens {
                write!(out, ",{},{}", a[i], b[i])?;
            }
            if let Some(m) = images {
                write!(out, ",{}", m[i])?;
            }
            writeln!(out)?;
        }
        Ok(())
    }
}

pub(crate) fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}
