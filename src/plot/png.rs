//! A figure as PNG: the SVG rendered by resvg with an embedded font.

use crate::error::{Error, Result};

/// DejaVu Sans (Bitstream Vera licence, `assets/DejaVuSans-LICENSE.txt`), so PNG text renders the
/// same on every machine, fonts installed or not.
const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");

/// Renders an SVG from [`super::svg`] as a PNG at `scale` × its size (2 for print).
pub fn png(svg: &str, scale: f32) -> Result<Vec<u8>> {
    use resvg::{tiny_skia, usvg};
    let bad = |what: String| Error::Encode(format!("cannot render the figure as PNG: {what}"));
    let mut opt = usvg::Options {
        font_family: "DejaVu Sans".into(),
        ..usvg::Options::default()
    };
    let db = opt.fontdb_mut();
    db.load_font_data(FONT.to_vec());
    db.set_sans_serif_family("DejaVu Sans");
    let tree = usvg::Tree::from_str(svg, &opt).map_err(|e| bad(e.to_string()))?;
    let size = tree
        .size()
        .to_int_size()
        .scale_by(scale)
        .ok_or_else(|| bad("empty figure".into()))?;
    let mut pixmap = tiny_skia::Pixmap::new(size.width(), size.height()).ok_or_else(|| {
        bad(format!(
            "{}×{} pixels is too large",
            size.width(),
            size.height()
        ))
    })?;
    resvg::render(
        &tree,
        tiny_skia::Transform::from_scale(scale, scale),
        &mut pixmap.as_mut(),
    );
    pixmap.encode_png().map_err(|e| bad(e.to_string()))
}
