//! The planner's placements: chains at the two ends, skip connections kept alive across the
//! layers they span, and no two buffers alive at once sharing a value on seeded random DAGs.

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
    plan(&nodes)
}

fn offset(s: Store) -> usize {
    match s {
        Store::Arena { offset, .. } => offset,
        other => panic!("expected an arena store, found {other:?}"),
    }
}

#[test]
fn a_chain_takes_turns_at_the_two_ends_of_one_arena() {
    // 10 -> 6 -> 8 -> 2: the first layer reads the caller's input and the last writes
    // the caller's output, so the arena holds 6 (layer 0's output), 6 + 8, 8.
    assert_eq!(chain(&[6, 8, 2]).arena_i8, 14);
    assert_eq!(chain(&[2]).arena_i8, 0);
    assert_eq!(chain(&[9, 1]).arena_i8, 9);
    let p = chain(&[6, 8, 2]);
    assert_eq!(offset(p.stores[0]), 0);
    assert_eq!(offset(p.stores[1]), 6);
    assert_eq!(p.stores[2], Store::Output);
}

#[test]
fn a_chain_greedy_would_place_higher_takes_the_two_ends() {
    // Largest first, 40 finds no gap between 70 (at 0) and 50 (at 100) and goes to 150,
    // an arena of 190; at the two ends it is 100 + 50.
    let bufs: Vec<Buffer> = [100, 50, 40, 70]
        .iter()
        .enumerate()
        .map(|(i, &len)| Buffer {
            node: i,
            len,
            first: i,
            last: i + 1,
        })
        .collect();
    assert_eq!(extent(&bufs, &greedy(&bufs)), 190);
    assert_eq!(chain(&[100, 50, 40, 70, 1]).arena_i8, 150);
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
    let p = plan(&nodes);
    assert_eq!((p.arena_i8, p.arena_f32), (0, 24));
    assert_eq!(p.stores[1], Store::Flash(1));
    assert_eq!(p.stores[3], p.stores[2]);
    assert_eq!(p.stores[4], Store::Output);
}

#[test]
fn a_skip_connection_keeps_its_source_apart_from_the_layers_it_spans() {
    // a at 0..4; b = g(a), c = h(b) beside it; d = add(a, c) where b was; e = fc(d) the
    // output. Three buffers are alive at once while c and d are written: 12 values.
    let i8 = Dtype::I8;
    let nodes = vec![
        node(vec![Input], Role::Computes, i8, 4),
        node(vec![Layer(0)], Role::Computes, i8, 4),
        node(vec![Layer(1)], Role::Computes, i8, 4),
        node(vec![Layer(0), Layer(2)], Role::Computes, i8, 4),
        node(vec![Layer(3)], Role::Computes, i8, 2),
    ];
    let p = plan(&nodes);
    assert_eq!(p.arena_i8, 12);
    let o: Vec<usize> = (0..4).map(|i| offset(p.stores[i])).collect();
    assert_eq!(o, [0, 4, 8, 4]);
    assert_eq!(p.stores[4], Store::Output);
}

#[test]
fn a_reshape_keeps_its_source_alive_until_it_is_read() {
    // a; r = reshape(a); b = g(a); c = add(r, b) the output: a lives until c.
    let i8 = Dtype::I8;
    let nodes = vec![
        node(vec![Input], Role::Computes, i8, 6),
        node(vec![Layer(0)], Role::Aliases, i8, 6),
        node(vec![Layer(0)], Role::Computes, i8, 5),
        node(vec![Layer(2)], Role::Computes, i8, 5),
        node(vec![Layer(1), Layer(3)], Role::Computes, i8, 6),
    ];
    let p = plan(&nodes);
    assert_eq!(p.stores[1], p.stores[0]);
    assert_eq!(p.arena_i8, 16);
}

#[test]
fn a_last_layer_reads_the_two_nodes_before_it_at_both_ends() {
    // a = f(input), b = g(a), output = add(a, b): both side by side.
    let i8 = Dtype::I8;
    let nodes = vec![
        node(vec![Input], Role::Computes, i8, 4),
        node(vec![Layer(0)], Role::Computes, i8, 6),
        node(vec![Layer(0), Layer(1)], Role::Computes, i8, 4),
    ];
    let p = plan(&nodes);
    assert_eq!(p.arena_i8, 10);
    assert_eq!(p.stores[2], Store::Output);
}

/// splitmix64, for the random DAGs.
fn next(s: &mut u64) -> u64 {
    *s = s.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *s;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[test]
fn no_two_activations_alive_at_once_share_a_value_on_random_dags() {
    for seed in 0..300u64 {
        let mut s = seed;
        let n = 2 + (next(&mut s) % 12) as usize;
        let mut nodes = Vec::new();
        for i in 0..n {
            let pick = |s: &mut u64| match next(s) % (i as u64 + 1) {
                0 => Input,
                k => Layer(k as usize - 1),
            };
            let role = match next(&mut s) % 8 {
                0 if i > 0 => Role::Aliases,
                1 => Role::Stored,
                _ => Role::Computes,
            };
            let parents = match role {
                Role::Stored => vec![],
                Role::Aliases => vec![Layer(i - 1)],
                Role::Computes if next(&mut s).is_multiple_of(3) => {
                    vec![pick(&mut s), pick(&mut s)]
                }
                Role::Computes => vec![pick(&mut s)],
            };
            let dtype = if next(&mut s).is_multiple_of(4) {
                Dtype::F32
            } else {
                Dtype::I8
            };
            let len = 1 + (next(&mut s) % 50) as usize;
            nodes.push(node(parents, role, dtype, len));
        }
        let p = plan(&nodes);
        // Each arena ends where its highest activation does.
        let mut ends = [0usize; 2];
        for s in &p.stores {
            if let Store::Arena {
                dtype, offset, len, ..
            } = *s
            {
                let a = usize::from(dtype == Dtype::F32);
                ends[a] = ends[a].max(offset + len);
            }
        }
        assert_eq!(ends, [p.arena_i8, p.arena_f32], "seed {seed}");
        // Replay the layers: each reads its parents' values and writes its own; a value
        // read must be the one its writer wrote.
        let mut owner: [Vec<Option<usize>>; 2] = [vec![None; p.arena_i8], vec![None; p.arena_f32]];
        for (i, nd) in nodes.iter().enumerate() {
            if nd.role != Role::Computes {
                continue;
            }
            let mut touched: Vec<(usize, usize)> = Vec::new();
            for q in &nd.parents {
                if let Layer(j) = q {
                    if let Store::Arena {
                        dtype,
                        offset,
                        len,
                        writer,
                    } = p.stores[*j]
                    {
                        let a = usize::from(dtype == Dtype::F32);
                        assert!(offset + len <= owner[a].len(), "seed {seed}");
                        for (v, o) in owner[a].iter().enumerate().skip(offset).take(len) {
                            assert_eq!(*o, Some(writer), "seed {seed}: layer {i}");
                            touched.push((a, v));
                        }
                    }
                }
            }
            if let Store::Arena {
                dtype,
                offset,
                len,
                writer,
            } = p.stores[i]
            {
                let a = usize::from(dtype == Dtype::F32);
                assert!(offset + len <= owner[a].len(), "seed {seed}");
                for (v, o) in owner[a].iter_mut().enumerate().skip(offset).take(len) {
                    assert!(
                        !touched.contains(&(a, v)),
                        "seed {seed}: layer {i} writes what it reads"
                    );
                    *o = Some(writer);
                }
            }
        }
    }
}
