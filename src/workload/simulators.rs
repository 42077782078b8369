//! CSV layouts of the tools that replay a workload: InVitro's Azure 2021 trace
//! (`app,func,end_timestamp,duration`), the LLM serving simulators Vidur (its trace replay's
//! `Date,Time,PromptTokenCount,CompletionTokenCount`, and its length generator's
//! `arrived_at,num_prefill_tokens,num_decode_tokens`) and Splitwise
//! (`request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,token_size`),
//! and the Azure LLM trace's own layout (`TIMESTAMP,ContextTokens,GeneratedTokens`), which
//! inference-perf replays. Times are seconds since the window start (after time scaling), or
//! wall-clock times from it.

use std::io::{self, Write};

use super::Workload;

/// Seconds since the window start of request `i`.
fn since_start(w: &Workload, i: usize) -> f64 {
    w.arrival[i] - w.params.window.start as f64
}

/// `micros` as seconds with six decimals, exactly.
fn write_micros(out: &mut impl Write, micros: u64, int: &mut itoa::Buffer) -> io::Result<()> {
    out.write_all(int.format(micros / 1_000_000).as_bytes())?;
    write!(out, ".{:06}", micros % 1_000_000)
}

/// Each request's start in whole microseconds since the window start, as InVitro gets it:
/// InVitro refuses two invocations of one function in the same microsecond (its loader stops),
/// so such a request is moved 1 µs after the one before it; the flag says it was.
fn invitro_starts(w: &Workload) -> impl Iterator<Item = (u64, bool)> + '_ {
    let mut last: Vec<Option<u64>> = vec![None; w.models.len()];
    (0..w.len()).map(move |i| {
        let m = w.model[i] as usize;
        let start = (since_start(w, i) * 1e6).round().max(0.0) as u64;
        let (start, moved) = match last[m] {
            Some(prev) if start <= prev => (prev + 1, true),
            _ => (start, false),
        };
        last[m] = Some(start);
        (start, moved)
    })
}

/// How many requests an InVitro export moves by a microsecond (see [`encode_invitro`]).
pub fn invitro_moves(w: &Workload) -> u64 {
    invitro_starts(w).filter(|&(_, moved)| moved).count() as u64
}

/// InVitro's Azure 2021 CSV: the model name as both `app` and `func`, `end_timestamp` =
/// arrival + the request's run time (its source's, else `duration_us`); starts that collide
/// within a function are moved 1 µs apart ([`invitro_moves`] counts them).
pub fn encode_invitro(w: &Workload, duration_us: u64, out: &mut impl Write) -> io::Result<()> {
    out.write_all(b"app,func,end_timestamp,duration\n")?;
    let names: Vec<String> = w.models.iter().map(|m| super::csv_field(m)).collect();
    let mut int = itoa::Buffer::new();
    for (i, (start, _)) in invitro_starts(w).enumerate() {
        let name = &names[w.model[i] as usize];
        // The source's own run time when it has one (a 2021 trace replayed vanilla).
        let d = w
            .durations
            .as_ref()
            .map_or(duration_us, |d| (d[i] * 1e6).round().max(0.0) as u64);
        write!(out, "{name},{name},")?;
        write_micros(out, start + d, &mut int)?;
        out.write_all(b",")?;
        write_micros(out, d, &mut int)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// The token columns, or the error that says how to give them.
fn tokens(w: &Workload) -> io::Result<(&[u32], &[u32])> {
    match (&w.input_tokens, &w.output_tokens) {
        (Some(i), Some(o)) => Ok((i, o)),
        _ => Err(io::Error::other(
            "this format needs token counts: the trace has none, so draw them with \
             --tokens-from TRACE or give constants with --input-length N and --output-length N",
        )),
    }
}

/// Vidur's `trace_replay` request generator's CSV: every row on `date` (days since 1970), the
/// arrival in seconds since the window start, the tokens, and the model after the columns Vidur
/// reads (it reads by name, so the model rides along; pandas quotes as we do).
pub fn encode_vidur(w: &Workload, date: i64, out: &mut impl Write) -> io::Result<()> {
    let (input, output) = tokens(w)?;
    out.write_all(b"Date,Time,PromptTokenCount,CompletionTokenCount,Model\n")?;
    let date = crate::ingest::datetime::format_date(date);
    let names: Vec<String> = w.models.iter().map(|m| super::csv_field(m)).collect();
    let mut int = itoa::Buffer::new();
    for i in 0..w.len() {
        write!(out, "{date},{:?}", since_start(w, i))?;
        tokens_and_model(
            out,
            &mut int,
            (input[i], output[i]),
            &names[w.model[i] as usize],
        )?;
    }
    Ok(())
}

/// `,IN,OUT,MODEL` and the line's end: how the formats with a model column end a row.
fn tokens_and_model(
    out: &mut impl Write,
    int: &mut itoa::Buffer,
    (input, output): (u32, u32),
    model: &str,
) -> io::Result<()> {
    out.write_all(b",")?;
    out.write_all(int.format(input).as_bytes())?;
    out.write_all(b",")?;
    out.write_all(int.format(output).as_bytes())?;
    out.write_all(b",")?;
    out.write_all(model.as_bytes())?;
    out.write_all(b"\n")
}

/// The Azure LLM inference trace's CSV: `TIMESTAMP` on the wall clock (`start`, the Unix
/// nanoseconds of the window's start), to 100 ns as Azure writes it, the tokens, and the model
/// after the three columns that inference-perf reads by position.
pub fn encode_azure_llm(w: &Workload, start: i64, out: &mut impl Write) -> io::Result<()> {
    let (input, output) = tokens(w)?;
    out.write_all(b"TIMESTAMP,ContextTokens,GeneratedTokens,Model\n")?;
    let names: Vec<String> = w.models.iter().map(|m| super::csv_field(m)).collect();
    let mut int = itoa::Buffer::new();
    for i in 0..w.len() {
        let at = start.saturating_add((since_start(w, i) * 1e9).round() as i64);
        out.write_all(crate::ingest::datetime::format_ns(at).as_bytes())?;
        tokens_and_model(
            out,
            &mut int,
            (input[i], output[i]),
            &names[w.model[i] as usize],
        )?;
    }
    Ok(())
}

/// The Unix nanoseconds of `w`'s window start: `given`, else the trace's clock, else
/// [`super::format::DEFAULT_WALL_CLOCK`].
pub fn window_start_clock(w: &Workload, given: Option<i64>) -> i64 {
    given.unwrap_or_else(|| match w.clock {
        Some(c) => c.saturating_add((w.params.window.start as i64).saturating_mul(1_000_000_000)),
        None => super::format::DEFAULT_WALL_CLOCK,
    })
}

/// Vidur's length-only trace: arrival seconds, prompt and generated tokens (its `trace`
/// request length generator reads the two counts).
pub fn encode_vidur_lengths(w: &Workload, out: &mut impl Write) -> io::Result<()> {
    let (input, output) = tokens(w)?;
    out.write_all(b"arrived_at,num_prefill_tokens,num_decode_tokens\n")?;
    let mut int = itoa::Buffer::new();
    for i in 0..w.len() {
        write!(out, "{:?},", since_start(w, i))?;
        out.write_all(int.format(input[i]).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(int.format(output[i]).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

/// Splitwise's trace: one request of type 2 (its LLM inference type) and batch size 1 a row,
/// the model's index as `application_id`.
pub fn encode_splitwise(w: &Workload, out: &mut impl Write) -> io::Result<()> {
    let (input, output) = tokens(w)?;
    out.write_all(
        b"request_id,request_type,application_id,arrival_timestamp,batch_size,prompt_size,token_size\n",
    )?;
    let mut int = itoa::Buffer::new();
    for i in 0..w.len() {
        out.write_all(int.format(i).as_bytes())?;
        out.write_all(b",2,")?;
        out.write_all(int.format(w.model[i]).as_bytes())?;
        write!(out, ",{:?},1,", since_start(w, i))?;
        out.write_all(int.format(input[i]).as_bytes())?;
        out.write_all(b",")?;
        out.write_all(int.format(output[i]).as_bytes())?;
        out.write_all(b"\n")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_to_the_microsecond() {
        let mut v = Vec::new();
        write_micros(&mut v, 1_500_001, &mut itoa::Buffer::new()).unwrap();
        write_micros(&mut v, 7, &mut itoa::Buffer::new()).unwrap();
        assert_eq!(String::from_utf8(v).unwrap(), "1.5000010.000007");
    }
}
