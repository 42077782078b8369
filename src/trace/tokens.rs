//! What an LLM trace records beside each request's time: its token counts, images and prefix
//! hash ids.

use super::Column;

/// Token counts of each invocation of an LLM inference trace, aligned with its timestamps.
/// Columns share their values: a window of a trace's requests is a view, not a copy.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Tokens {
    /// Prompt (context) tokens.
    pub input: Column<u32>,
    /// Generated tokens.
    pub output: Column<u32>,
    /// Each request's row of `hash_ids` (Mooncake inputs): kept through vanilla replays so that
    /// prefix sharing survives into a Mooncake export.
    #[serde(skip)]
    pub hash_rows: Option<Column<u32>>,
    /// The rows, shared by all functions of the trace.
    #[serde(skip)]
    pub hash_ids: Option<std::sync::Arc<HashIds>>,
    /// Images sent with each request (Azure LMM multimodal traces' `NumImages`).
    #[serde(skip)]
    pub images: Option<Column<u32>>,
}

impl Tokens {
    /// Appends `more`'s requests (of the same trace, so of the same hash-id table) after these.
    pub fn append(&mut self, more: Tokens) {
        fn extend(a: &mut Column<u32>, b: &[u32]) {
            let mut v = std::mem::take(a).into_vec();
            v.extend_from_slice(b);
            *a = v.into();
        }
        fn join(a: &mut Option<Column<u32>>, b: Option<Column<u32>>) {
            match (a.as_mut(), b) {
                (Some(a), Some(b)) => extend(a, &b),
                _ => *a = None,
            }
        }
        extend(&mut self.input, &more.input);
        extend(&mut self.output, &more.output);
        join(&mut self.hash_rows, more.hash_rows);
        join(&mut self.images, more.images);
        if self.hash_rows.is_none() {
            self.hash_ids = None;
        }
    }

    /// The hash-id table that every one of `tokens` has rows of, when they all share one
    /// (a merge of them can keep the ids then; otherwise they are dropped).
    pub fn shared_hash_ids<'a>(
        mut tokens: impl Iterator<Item = Option<&'a Tokens>>,
    ) -> Option<std::sync::Arc<HashIds>> {
        let first = tokens.next()??;
        let table = first
            .hash_ids
            .clone()
            .filter(|_| first.hash_rows.is_some())?;
        tokens
            .all(|t| {
                t.is_some_and(|k| {
                    k.hash_rows.is_some()
                        && k.hash_ids
                            .as_ref()
                            .is_some_and(|h| std::sync::Arc::ptr_eq(h, &table))
                })
            })
            .then_some(table)
    }

    /// Token counts without prefix-cache ids.
    pub fn counts(input: Vec<u32>, output: Vec<u32>) -> Tokens {
        Tokens {
            input: input.into(),
            output: output.into(),
            ..Tokens::default()
        }
    }

    /// Requests `r` (clamped), sharing these columns.
    pub fn slice(&self, r: std::ops::Range<usize>) -> Tokens {
        Tokens {
            input: self.input.slice(r.clone()),
            output: self.output.slice(r.clone()),
            hash_rows: self.hash_rows.as_ref().map(|h| h.slice(r.clone())),
            hash_ids: self.hash_ids.clone(),
            images: self.images.as_ref().map(|m| m.slice(r)),
        }
    }

    /// The columns held in memory (copied when read in place from a file).
    pub fn in_memory(&self) -> Tokens {
        Tokens {
            input: self.input.in_memory(),
            output: self.output.in_memory(),
            hash_rows: self.hash_rows.as_ref().map(Column::in_memory),
            hash_ids: self.hash_ids.clone(),
            images: self.images.as_ref().map(Column::in_memory),
        }
    }
}

/// Token columns as a reader builds them, request by request.
#[derive(Debug, Clone, Default)]
pub struct TokenRows {
    /// Prompt (context) tokens.
    pub input: Vec<u32>,
    /// Generated tokens.
    pub output: Vec<u32>,
    /// Each request's row of a hash-id table.
    pub hash_rows: Option<Vec<u32>>,
    /// Images sent with each request.
    pub images: Option<Vec<u32>>,
}

impl TokenRows {
    /// The columns, their hash-id rows being rows of `hash_ids`.
    pub fn into_tokens(self, hash_ids: Option<std::sync::Arc<HashIds>>) -> Tokens {
        Tokens {
            input: self.input.into(),
            output: self.output.into(),
            hash_rows: self.hash_rows.map(Column::from),
            hash_ids,
            images: self.images.map(Column::from),
        }
    }

    /// Requests in the order of `order` (indices of these).
    pub fn pick(&self, order: &[usize]) -> TokenRows {
        let pick = |v: &[u32]| order.iter().map(|&i| v[i]).collect::<Vec<u32>>();
        TokenRows {
            input: pick(&self.input),
            output: pick(&self.output),
            hash_rows: self.hash_rows.as_deref().map(pick),
            images: self.images.as_deref().map(pick),
        }
    }
}

/// Requests' prefix-cache block ids (Mooncake's `hash_ids`: equal ids are reusable KV-cache
/// blocks), one row a request, stored flat.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct HashIds {
    ends: Vec<u64>,
    ids: Vec<u64>,
}

impl HashIds {
    /// Adds a row; its number.
    pub fn push(&mut self, ids: &[u64]) -> u32 {
        self.ids.extend_from_slice(ids);
        self.ends.push(self.ids.len() as u64);
        (self.ends.len() - 1) as u32
    }

    /// Ids in all rows.
    pub fn total(&self) -> usize {
        self.ids.len()
    }

    /// Rows in the table.
    pub fn rows(&self) -> usize {
        self.ends.len()
    }

    /// The table as stored: each row's end in `ids`, and the ids of all rows.
    pub fn parts(&self) -> (&[u64], &[u64]) {
        (&self.ends, &self.ids)
    }

    /// A table from [`HashIds::parts`]; `None` when the ends do not rise within `ids`.
    pub fn from_parts(ends: Vec<u64>, ids: Vec<u64>) -> Option<HashIds> {
        let ok = ends.is_sorted() && ends.last().is_none_or(|&e| e == ids.len() as u64);
        ok.then_some(HashIds { ends, ids })
    }

    /// Row `r` (empty if there is none).
    pub fn row(&self, r: u32) -> &[u64] {
        let r = r as usize;
        let start = if r == 0 {
            0
        } else {
            self.ends.get(r - 1).copied().unwrap_or(0)
        };
        let end = self.ends.get(r).copied().unwrap_or(start);
        self.ids.get(start as usize..end as usize).unwrap_or(&[])
    }
}
