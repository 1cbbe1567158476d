//! Where each node of a `tfl_` network lives while `run_in` runs: the caller's input or
//! output, the embedded parameters (a constant), or one end of the arena of its dtype. The
//! layers writing a dtype take turns at the two ends of that dtype's arena (see
//! `nn_core::quant::tflite::arena_pair`), so a layer writing an arena may read there only
//! the last node written; a layer writing elsewhere (the caller's output, the other dtype's
//! arena) may also read the node before it, which lies at the other end (a residual ADD at
//! the end of a network). Each arena holds the largest sum, over the layers, of what a layer
//! reads from it and writes to it, so nodes read together never overlap.

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
    /// `len` values at the front (`front`) or the back of the arena of `dtype`, written by
    /// layer `writer`.
    Arena {
        dtype: Dtype,
        front: bool,
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

/// Why a network cannot be placed: layer `.0` reads layer `.1`, which a later write to
/// the same arena has overwritten by then.
#[derive(Debug, PartialEq, Eq)]
pub struct Overwritten(pub usize, pub usize);

fn slot(d: Dtype) -> usize {
    usize::from(d == Dtype::F32)
}

/// Places `nodes`; the last node is the network's output, which the last layer computing
/// it writes into the caller's buffer.
pub fn plan(nodes: &[Node]) -> Result<Plan, Overwritten> {
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
    let mut stores: Vec<Store> = Vec::with_capacity(nodes.len());
    // The last and the one-before-last node written to each arena.
    let mut last: [Option<Store>; 2] = [None, None];
    let mut before: [Option<Store>; 2] = [None, None];
    let mut size = [0usize; 2];
    for (i, n) in nodes.iter().enumerate() {
        let of = |p: &TflNode, stores: &[Store]| match p {
            TflNode::Input => Store::Input,
            TflNode::Layer(j) => stores[*j],
        };
        let store = match n.role {
            Role::Stored => Store::Flash(i),
            Role::Aliases => n.parents.first().map_or(Store::Input, |p| of(p, &stores)),
            Role::Computes => {
                let mut used = [0usize; 2];
                let mut seen: Vec<Store> = Vec::new();
                let to_output = Some(i) == writer;
                for p in &n.parents {
                    let s = of(p, &stores);
                    if let Store::Arena {
                        dtype, len, writer, ..
                    } = s
                    {
                        let d = slot(dtype);
                        let elsewhere = to_output || slot(n.dtype) != d;
                        let intact = last[d] == Some(s) || (elsewhere && before[d] == Some(s));
                        if !intact {
                            return Err(Overwritten(i, writer));
                        }
                        if !seen.contains(&s) {
                            seen.push(s);
                            used[slot(dtype)] += len;
                        }
                    }
                }
                let store = if to_output {
                    Store::Output
                } else {
                    let d = slot(n.dtype);
                    let front = match last[d] {
                        Some(Store::Arena { front, .. }) => !front,
                        _ => true,
                    };
                    used[d] += n.len;
                    let s = Store::Arena {
                        dtype: n.dtype,
                        front,
                        len: n.len,
                        writer: i,
                    };
                    before[d] = last[d];
                    last[d] = Some(s);
                    s
                };
                size = [size[0].max(used[0]), size[1].max(used[1])];
                store
            }
        };
        stores.push(store);
    }
    Ok(Plan {
        stores,
        arena_i8: size[0],
        arena_f32: size[1],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use TflNode::{Input, Layer};

    fn node(parents: Vec<TflNode>, role: Role, dtype: Dtype, len: usize) -> Node {
        Node {
            parents,
            role,
            dtype,
            len,
        }
    }

    fn chain(lens: &[usize]) -> Plan {
        let nodes: Vec<Node> = lens
            .iter()
            .enumerate()
            .map(|(i, &n)| {
                let p = if i == 0 { Input } else { Layer(i - 1) };
                node(vec![p], Role::Computes, Dtype::I8, n)
            })
            .collect();
        plan(&nodes).unwrap()
    }

    #[test]
    fn a_chain_takes_turns_at_the_two_ends_of_one_arena() {
        // 10 -> 6 -> 8 -> 2: the first layer reads the caller's input and the last writes
        // the caller's output, so the arena holds 6 (layer 0's output), 6 + 8, 8.
        assert_eq!(chain(&[6, 8, 2]).arena_i8, 14);
        assert_eq!(chain(&[2]).arena_i8, 0);
        assert_eq!(chain(&[9, 1]).arena_i8, 9);
        let p = chain(&[6, 8, 2]);
        assert!(matches!(p.stores[0], Store::Arena { front: true, .. }));
        assert!(matches!(p.stores[1], Store::Arena { front: false, .. }));
        assert_eq!(p.stores[2], Store::Output);
    }

    #[test]
    fn each_dtype_has_its_arena_and_constants_and_reshapes_take_none() {
        // input i8 -> dequantize (f32 12) -> k constant f32 -> add (f32 12) -> reshape
        // -> quantize (i8 12, the output)
        let f = Dtype::F32;
        let nodes = vec![
            node(vec![Input], Role::Computes, f, 12),
            node(vec![], Role::Stored, f, 12),
            node(vec![Layer(0), Layer(1)], Role::Computes, f, 12),
            node(vec![Layer(2)], Role::Aliases, f, 12),
            node(vec![Layer(3)], Role::Computes, Dtype::I8, 12),
        ];
        let p = plan(&nodes).unwrap();
        assert_eq!((p.arena_i8, p.arena_f32), (0, 24));
        assert_eq!(p.stores[1], Store::Flash(1));
        assert_eq!(p.stores[3], p.stores[2]);
        assert_eq!(p.stores[4], Store::Output);
    }

    #[test]
    fn a_node_read_after_its_arena_end_was_reused_is_refused() {
        // a at the front, b = g(a) at the back, c = h(b) at the front again: d = add(a, c)
        // would read `a`, which `c` overwrote.
        let i8 = Dtype::I8;
        let nodes = vec![
            node(vec![Input], Role::Computes, i8, 4),
            node(vec![Layer(0)], Role::Computes, i8, 4),
            node(vec![Layer(1)], Role::Computes, i8, 4),
            node(vec![Layer(0), Layer(2)], Role::Computes, i8, 4),
        ];
        assert_eq!(plan(&nodes), Err(Overwritten(3, 0)));
    }

    #[test]
    fn a_last_layer_reads_the_two_nodes_before_it_at_both_ends() {
        // a = f(input) at the front, b = g(a) at the back, output = add(a, b): both stay
        // intact, and the arena holds them side by side.
        let i8 = Dtype::I8;
        let nodes = vec![
            node(vec![Input], Role::Computes, i8, 4),
            node(vec![Layer(0)], Role::Computes, i8, 6),
            node(vec![Layer(0), Layer(1)], Role::Computes, i8, 4),
        ];
        let p = plan(&nodes).unwrap();
        assert_eq!(p.arena_i8, 10);
        assert_eq!(p.stores[2], Store::Output);
        // Written to the arena instead (a layer after it), the ADD would overwrite `a`.
        let mut more = nodes;
        more.push(node(vec![Layer(2)], Role::Computes, i8, 4));
        assert_eq!(plan(&more), Err(Overwritten(2, 0)));
    }
}
