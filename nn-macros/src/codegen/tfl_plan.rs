//! Where each node of a `tfl_` network lives while `run_in` runs: the caller's input or
//! output, the embedded parameters (a constant), or a place in the arena of its dtype.
//!
//! Each activation between the first layer and the last (which read the caller's input and
//! write the caller's output) is a buffer of its dtype's arena, alive from the layer writing
//! it to the last layer reading it (directly or through reshapes, which alias their parent).
//! Two buffers alive at one layer get disjoint places, so a kernel never reads and writes
//! overlapping memory and any DAG the declarations allow runs: a skip connection keeps its
//! source alive across the layers it spans. The places come from the smaller of two
//! placements, per dtype:
//!
//! - TFLM's greedy planner (`greedy_memory_planner.cc`): the buffers largest first, each at
//!   the lowest offset where it overlaps no buffer already placed that is alive at the
//!   same time as it;
//! - the two ends: the buffers in the order written take turns at the front and the back,
//!   valid when no two buffers at the same end are alive at once (a chain, and an ADD
//!   of the two nodes before it); its size is the largest sum of a front and a back buffer
//!   alive at once, which for a chain is the least any placement needs.
//!
//! Each arena is as long as the end of its highest buffer.

use crate::ir::TflNode;
use crate::kinds::tfl::Dtype;

/// What a node is, for placing it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// Runs a kernel writing a new tensor.
    Computes,
    /// Its parent's values under another shape (a reshape).
    Aliases,
    /// A tensor of the weights file (a constant).
    Stored,
}

/// One layer as the planner sees it.
pub struct Node {
    pub parents: Vec<TflNode>,
    pub role: Role,
    pub dtype: Dtype,
    pub len: usize,
}

/// Where a node's values are.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    Input,
    Output,
    /// Layer `.0`'s tensor in the embedded parameters.
    Flash(usize),
    /// `len` values from `offset` in the arena of `dtype`, written by layer `writer`.
    Arena {
        dtype: Dtype,
        offset: usize,
        len: usize,
        writer: usize,
    },
}

/// The placement: each layer's store and the size of the int8 and float32 arenas.
#[derive(Debug, PartialEq, Eq)]
pub struct Plan {
    pub stores: Vec<Store>,
    pub arena_i8: usize,
    pub arena_f32: usize,
}

/// An activation in an arena: `len` values alive from layer `first` to layer `last`.
#[derive(Clone, Copy, Debug)]
struct Buffer {
    node: usize,
    len: usize,
    first: usize,
    last: usize,
}

impl Buffer {
    fn alive_with(&self, o: &Buffer) -> bool {
        self.first <= o.last && o.first <= self.last
    }
}

/// TFLM's greedy placement: largest first (earlier written first among equals), each at
/// the lowest offset clear of the placed buffers alive with it. Offsets, in `bufs`' order.
fn greedy(bufs: &[Buffer]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..bufs.len()).collect();
    order.sort_by_key(|&i| (std::cmp::Reverse(bufs[i].len), bufs[i].first));
    let mut offsets: Vec<Option<usize>> = vec![None; bufs.len()];
    for &i in &order {
        // The placed buffers alive with `i`, by offset.
        let mut taken: Vec<(usize, usize)> = (0..bufs.len())
            .filter(|&j| bufs[i].alive_with(&bufs[j]))
            .filter_map(|j| offsets[j].map(|o| (o, o + bufs[j].len)))
            .collect();
        taken.sort_unstable();
        let mut at = 0;
        for (start, end) in taken {
            if start >= at + bufs[i].len {
                break;
            }
            at = at.max(end);
        }
        offsets[i] = Some(at);
    }
    offsets.into_iter().map(|o| o.unwrap_or(0)).collect()
}

/// The two ends: the buffers (in the order written) alternate between the front and the
/// back; `None` when two buffers at one end are alive at once.
fn two_ends(bufs: &[Buffer]) -> Option<Vec<usize>> {
    let front = |i: usize| i.is_multiple_of(2);
    let mut size = bufs.iter().map(|b| b.len).max().unwrap_or(0);
    for (i, a) in bufs.iter().enumerate() {
        for (j, b) in bufs.iter().enumerate().skip(i + 1) {
            if a.alive_with(b) && a.len > 0 && b.len > 0 {
                if front(i) == front(j) {
                    return None;
                }
                size = size.max(a.len + b.len);
            }
        }
    }
    Some(
        bufs.iter()
            .enumerate()
            .map(|(i, b)| if front(i) { 0 } else { size - b.len })
            .collect(),
    )
}

/// The end of the highest buffer.
fn extent(bufs: &[Buffer], offsets: &[usize]) -> usize {
    bufs.iter()
        .zip(offsets)
        .map(|(b, o)| o + b.len)
        .max()
        .unwrap_or(0)
}

/// Whether no two buffers alive at once share a value.
fn disjoint(bufs: &[Buffer], offsets: &[usize]) -> bool {
    let at = |i: usize| offsets[i]..offsets[i] + bufs[i].len;
    (0..bufs.len()).all(|i| {
        (i + 1..bufs.len()).all(|j| {
            let (a, b) = (at(i), at(j));
            !bufs[i].alive_with(&bufs[j])
                || a.is_empty()
                || b.is_empty()
                || a.end <= b.start
                || b.end <= a.start
        })
    })
}

/// The offsets of `bufs` in one arena: the smaller valid placement (the two ends among
/// equals), and the arena's size.
fn place(bufs: &[Buffer]) -> (Vec<usize>, usize) {
    let g = greedy(bufs);
    let mut best = (extent(bufs, &g), g);
    if let Some(t) = two_ends(bufs).filter(|t| disjoint(bufs, t)) {
        let size = extent(bufs, &t);
        if size <= best.0 {
            best = (size, t);
        }
    }
    (best.1, best.0)
}

/// Places `nodes`; the last node is the network's output, which the last layer computing
/// it writes into the caller's buffer.
pub fn plan(nodes: &[Node]) -> Plan {
    // The layer whose output is the network's: the last node, through reshapes.
    let mut writer = nodes.len().checked_sub(1);
    while let Some(i) = writer {
        match (nodes[i].role, nodes[i].parents.first()) {
            (Role::Aliases, Some(TflNode::Layer(p))) => writer = Some(*p),
            (Role::Aliases, _) => writer = None,
            _ => break,
        }
    }
    let writer = writer.filter(|&w| nodes[w].role == Role::Computes);
    // The layer whose values each node is (itself, or a reshape's source).
    let mut source: Vec<Option<usize>> = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let s = match n.role {
            Role::Aliases => match n.parents.first() {
                Some(TflNode::Layer(p)) => source.get(*p).copied().flatten(),
                _ => None,
            },
            _ => Some(i),
        };
        source.push(s);
    }
    let in_arena = |i: usize| nodes[i].role == Role::Computes && Some(i) != writer;
    let mut last: Vec<usize> = (0..nodes.len()).collect();
    for (i, n) in nodes.iter().enumerate() {
        if n.role != Role::Computes {
            continue;
        }
        for p in &n.parents {
            if let TflNode::Layer(j) = p {
                if let Some(s) = source.get(*j).copied().flatten() {
                    last[s] = last[s].max(i);
                }
            }
        }
    }
    let mut stores: Vec<Store> = Vec::with_capacity(nodes.len());
    let mut size = [0usize; 2];
    let mut offset: Vec<usize> = vec![0; nodes.len()];
    // The int8 arena (which any other non-float dtype shares), then the float32 one.
    for (k, float) in [false, true].into_iter().enumerate() {
        let bufs: Vec<Buffer> = (0..nodes.len())
            .filter(|&i| in_arena(i) && (nodes[i].dtype == Dtype::F32) == float)
            .map(|i| Buffer {
                node: i,
                len: nodes[i].len,
                first: i,
                last: last[i],
            })
            .collect();
        let (offsets, n) = place(&bufs);
        size[k] = n;
        for (b, o) in bufs.iter().zip(offsets) {
            offset[b.node] = o;
        }
    }
    for (i, n) in nodes.iter().enumerate() {
        let store = match n.role {
            Role::Stored => Store::Flash(i),
            Role::Aliases => match n.parents.first() {
                Some(TflNode::Layer(j)) => stores[*j],
                _ => Store::Input,
            },
            Role::Computes if Some(i) == writer => Store::Output,
            Role::Computes => Store::Arena {
                dtype: n.dtype,
                offset: offset[i],
                len: n.len,
                writer: i,
            },
        };
        stores.push(store);
    }
    Plan {
        stores,
        arena_i8: size[0],
        arena_f32: size[1],
    }
}

#[cfg(test)]
#[path = "tfl_plan_tests.rs"]
mod tests;
