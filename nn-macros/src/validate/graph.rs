//! Resolving the graph: inputs, each node's parents, the outputs, and what nobody reads.

use super::{join, options, positive, Errors, Failed, Producer};
use crate::args;
use crate::ast::{Item, LayerDecl, NetworkDecl};
use crate::ir::{Act, ConstCheck, Dims, Input, Join, Layer, LayerKind, Network, Size, Src};
use crate::kinds::{self, Ctx};
use crate::parse::{single_ident, span_of};
use crate::suggest;
use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use std::collections::{HashMap, HashSet};
use syn::Ident;

/// A name in scope.
struct Entry {
    /// `None` when its declaration had a mistake.
    src: Option<Src>,
    dims: Option<Dims>,
    producer: Producer,
    span: Span,
}

pub fn validate_graph(mut decl: NetworkDecl) -> Result<Network, Failed> {
    // Syntax errors first; the entries that parsed are still checked.
    let mut errs = Errors(std::mem::take(&mut decl.errors));
    // Whether every entry lowered (wrong layers as stand-ins), so the network can stand in.
    let mut complete = true;
    let net_name = decl.name.to_string();
    let mut checks = Vec::new();
    let deps = dependencies(&decl);
    let mut scope: HashMap<String, Entry> = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    let mut inputs: Vec<Input> = Vec::new();
    // Every declared input, those whose size a mistake hides with the unknown size: the
    // stand-in's inputs when its inner layers cannot be kept.
    let mut standin_inputs: Vec<Input> = Vec::new();
    // What earlier uses of a block's layers reported (`Errors::drop_repeats`).
    let mut reported = HashSet::new();
    let mut layers: Vec<Layer> = Vec::new();
    let mut read: HashSet<String> = HashSet::new();
    let mut last: Option<String> = None;
    let mut output_decl: Option<(Vec<Ident>, Span)> = None;
    let mut key_input = false;
    let mut layer_decls = 0;

    for (index, item) in decl.items.iter().enumerate() {
        match item {
            Item::Input { key, size } => {
                if key_input {
                    errs.push(
                        key.span(),
                        "`input` is declared twice; a network has one input size",
                    );
                    continue;
                }
                key_input = true;
                if index != 0 {
                    errs.push(key.span(), "`input` must come first, before every layer");
                }
                let dims = input_dims(size, "the network's `input`", &mut errs, &mut checks);
                complete &= dims.is_some();
                let name = key.to_string();
                declare(
                    &mut scope,
                    &mut order,
                    &name,
                    key.span(),
                    Producer::Input,
                    dims.as_ref().map(|d| (d, Src::Input(inputs.len()))),
                );
                push_input(&mut inputs, &mut standin_inputs, key, dims, &decl.name);
                last = Some(name);
            }
            Item::Output { key, names, span } => {
                if output_decl.is_some() {
                    errs.push(
                        key.span(),
                        "`output` is declared twice; list every output in one `output: (a, b)`",
                    );
                }
                output_decl = Some((names.clone(), *span));
            }
            Item::Layer(l) if l.kind == "input" => {
                let name = l.name.to_string();
                if scope.contains_key(&name) {
                    errs.push(
                        l.name.span(),
                        format!("the name `{name}` is used twice; each node needs its own name"),
                    );
                    continue;
                }
                let dims = match l.args.as_slice() {
                    [a] if a.key.is_none() => input_dims(
                        &a.value,
                        &format!("the input `{name}`"),
                        &mut errs,
                        &mut checks,
                    ),
                    _ => {
                        errs.push(l.args_span, format!("`input` takes one argument, the input's size: `{name}: input(784)` or `{name}: input([1, 28, 28])`"));
                        None
                    }
                };
                complete &= dims.is_some();
                declare(
                    &mut scope,
                    &mut order,
                    &name,
                    l.name.span(),
                    Producer::NamedInput(name.clone()),
                    dims.as_ref().map(|d| (d, Src::Input(inputs.len()))),
                );
                push_input(&mut inputs, &mut standin_inputs, &l.name, dims, &decl.name);
                last = Some(name);
            }
            Item::Layer(l) => {
                layer_decls += 1;
                let name = l.name.to_string();
                if let Some(first) = scope.get(&name) {
                    let what = match &first.producer {
                        Producer::Layer(_) => {
                            format!("layers {} and {layer_decls}", layer_position(&decl, &name))
                        }
                        _ => "an input and a layer".to_string(),
                    };
                    errs.push(
                        l.name.span(),
                        format!(
                            "the layer name `{name}` is used twice ({what}); each layer needs its own name, as it becomes a field of `{net_name}`"
                        ),
                    );
                    complete = false;
                }
                let before = errs.len();
                let (lowered, out) = lower_node(
                    l,
                    &deps,
                    &scope,
                    last.as_deref(),
                    &mut read,
                    &mut errs,
                    &mut checks,
                );
                if let Some(origin) = &l.origin {
                    let path = l.path.as_deref().unwrap_or(&name);
                    errs.drop_repeats(before, (origin, path), &mut reported);
                }
                let entry = match lowered {
                    Some(layer) => {
                        let dims = layer.out_dims.clone();
                        layers.push(layer);
                        Some((dims, Src::Node(layers.len() - 1)))
                    }
                    None => {
                        complete = false;
                        None
                    }
                };
                scope.insert(
                    name.clone(),
                    Entry {
                        src: entry.as_ref().map(|e| e.1),
                        dims: entry.map(|e| e.0).or(out),
                        producer: Producer::Layer(l.path.clone().unwrap_or(name.clone())),
                        span: l.name.span(),
                    },
                );
                order.push(name.clone());
                last = Some(name);
            }
            Item::Broken(name) => {
                // Reported by the parser; what reads it is checked against nothing.
                if name.as_ref().is_some_and(|n| n == "input") {
                    key_input = true;
                } else {
                    layer_decls += 1;
                }
                complete = false;
                last = name.as_ref().map(|n| {
                    let key = n.to_string();
                    read.insert(key.clone());
                    scope.insert(
                        key.clone(),
                        Entry {
                            src: None,
                            dims: None,
                            producer: Producer::Layer(key.clone()),
                            span: n.span(),
                        },
                    );
                    order.push(key.clone());
                    key
                });
            }
        }
    }

    if decl.items.is_empty() {
        errs.push(
            decl.body_span,
            format!("`{net_name}` has an empty body; declare its input and layers, e.g. `{{ input: 784, out: dense(10) }}`"),
        );
    } else if inputs.is_empty()
        && !key_input
        && !decl
            .items
            .iter()
            .any(|i| matches!(i, Item::Layer(l) if l.kind == "input"))
    {
        errs.push(
            decl.name.span(),
            format!("`{net_name}` has no input size; start its body with `input: N,` (e.g. `input: 784,`)"),
        );
    }
    if layer_decls == 0 && !decl.items.is_empty() {
        errs.push(
            decl.body_span,
            format!("`{net_name}` has no layers; declare at least one, e.g. `out: dense(10)`"),
        );
    }

    // Outputs: as declared, or the last node.
    let mut outputs = Vec::new();
    match &output_decl {
        Some((names, span)) => {
            if names.is_empty() {
                errs.push(
                    *span,
                    "`output` lists no node; write `output: name` or `output: (a, b)`",
                );
            }
            for n in names {
                let key = n.to_string();
                match scope.get(&key) {
                    Some(Entry {
                        src: Some(Src::Input(_)),
                        ..
                    }) => errs.push(
                        n.span(),
                        format!(
                            "the output `{key}` is an input; an output must be computed by a layer"
                        ),
                    ),
                    Some(e) => {
                        read.insert(key.clone());
                        complete &= e.src.is_some();
                        outputs.extend(e.src);
                    }
                    None => {
                        let known: Vec<&str> = order.iter().map(String::as_str).collect();
                        let hint = suggest::closest(&key, &known)
                            .map(|k| format!("\n\nhelp: did you mean `{k}`?"))
                            .unwrap_or_default();
                        errs.push(n.span(), format!("the output `{key}` is never computed: no node is called `{key}`{hint}"));
                    }
                }
            }
        }
        None => {
            if let Some(name) = &last {
                read.insert(name.clone());
                if let Some(Entry {
                    src: Some(s @ Src::Node(_)),
                    ..
                }) = scope.get(name)
                {
                    outputs.push(*s);
                }
            }
        }
    }

    // A node nobody reads is a mistake (reported alone: other mistakes cause it often).
    if errs.is_empty() {
        for name in &order {
            if read.contains(name) {
                continue;
            }
            let e = &scope[name];
            let msg = match e.producer {
                Producer::Layer(_) => format!("`{name}` is computed but nothing reads it\n\nhelp: read it in a later node, list it in `output: (...)`, or remove it"),
                _ => format!("the input `{name}` is never read\n\nhelp: read it in a node, e.g. `h: dense(64)({name})`, or remove it"),
            };
            errs.push(e.span, msg);
        }
    }

    // The network, or a stand-in with its surface: itself when every entry lowered (wrong
    // layers as stand-ins), else one `dense` from its input to each output when all these
    // sizes are known.
    let out_names: Vec<String> = match &output_decl {
        Some((names, _)) => names.iter().map(Ident::to_string).collect(),
        None => last.into_iter().collect(),
    };
    // An end whose size a mistake hides gets the unknown size (`crate::unknown`).
    let ends: Vec<(String, Dims)> = match out_names.is_empty() {
        true => vec![("out".to_string(), crate::unknown::dims(&decl.name))],
        false => out_names
            .into_iter()
            .map(|n| match scope.get(&n) {
                // A layer's size, or the unknown size where a mistake hides it or the end is
                // an input (`{ input: 784 }`, no layers).
                Some(Entry {
                    src: Some(Src::Node(_)),
                    dims: Some(dims),
                    ..
                }) => (n, dims.clone()),
                Some(Entry {
                    src: Some(Src::Input(_)),
                    ..
                }) => ("out".to_string(), crate::unknown::dims(&decl.name)),
                _ => (n, crate::unknown::dims(&decl.name)),
            })
            .collect(),
    };
    let net = Network {
        attrs: decl.attrs,
        vis: decl.vis,
        name: decl.name,
        inputs,
        layers,
        outputs,
        checks,
        params: decl.params,
    };
    if errs.is_empty() {
        return Ok(net);
    }
    let whole = complete
        && !net.inputs.is_empty()
        && !net.outputs.is_empty()
        && order.iter().all(|n| read.contains(n));
    let standin = if whole {
        net
    } else {
        let inputs = match standin_inputs.is_empty() {
            true => vec![crate::unknown::input(&net.name)],
            false => standin_inputs,
        };
        collapsed(net.attrs, net.vis, net.name, net.params, &inputs, ends)
    };
    Err(Failed {
        errors: errs.0,
        standin: Box::new(standin),
    })
}

/// A network of one `dense` layer from the first input to each of `ends` (an output's name
/// and size, in the order of `output: (...)`): the surface of a declaration whose inner
/// layers could not be resolved, with every input it declares. An output listed twice reads
/// the same layer.
pub fn collapsed(
    attrs: Vec<syn::Attribute>,
    vis: syn::Visibility,
    name: Ident,
    params: Vec<Ident>,
    inputs: &[Input],
    ends: Vec<(String, Dims)>,
) -> Network {
    let mut layers: Vec<Layer> = Vec::new();
    let mut outputs = Vec::new();
    for (out_name, out_dims) in ends {
        let i = match layers.iter().position(|l| l.name == out_name) {
            Some(i) => i,
            None => {
                layers.push(standin_layer(
                    Ident::new(&out_name, name.span()),
                    vec![Src::Input(0)],
                    inputs[0].dims.clone(),
                    out_dims,
                ));
                layers.len() - 1
            }
        };
        outputs.push(Src::Node(i));
    }
    Network {
        attrs,
        vis,
        name,
        inputs: inputs
            .iter()
            .map(|i| Input {
                name: i.name.clone(),
                dims: i.dims.clone(),
            })
            .collect(),
        layers,
        outputs,
        checks: Vec::new(),
        params,
    }
}

/// Records input `name` of network `net`: among the resolved `inputs` when its `dims` are
/// known, and among every declared input (`all`, the stand-in's) with the unknown size where
/// a mistake hides them.
fn push_input(
    inputs: &mut Vec<Input>,
    all: &mut Vec<Input>,
    name: &Ident,
    dims: Option<Dims>,
    net: &Ident,
) {
    let input = |dims| Input {
        name: name.clone(),
        dims,
    };
    all.push(input(
        dims.clone().unwrap_or_else(|| crate::unknown::dims(net)),
    ));
    inputs.extend(dims.map(input));
}

/// A `dense` layer with the sizes of a layer that has a mistake, standing in for it.
fn standin_layer(name: Ident, parents: Vec<Src>, in_dims: Dims, out_dims: Dims) -> Layer {
    let (inputs, outputs) = (in_dims.flat(), out_dims.flat());
    Layer {
        path: name.to_string(),
        name,
        kind: LayerKind::Op(Box::new(crate::kinds::Dense {
            inputs: inputs.clone(),
            outputs: outputs.clone(),
        })),
        parents,
        in_dims,
        out_dims,
        inputs,
        outputs,
        act: Act::Identity,
        init: Some(crate::ir::InitKind::LeCun),
    }
}

fn declare(
    scope: &mut HashMap<String, Entry>,
    order: &mut Vec<String>,
    name: &str,
    span: Span,
    producer: Producer,
    resolved: Option<(&Dims, Src)>,
) {
    scope.insert(
        name.to_string(),
        Entry {
            src: resolved.map(|r| r.1),
            dims: resolved.map(|r| r.0.clone()),
            producer,
            span,
        },
    );
    order.push(name.to_string());
}

/// The 1-based position of layer `name` among the layers, for messages.
fn layer_position(decl: &NetworkDecl, name: &str) -> usize {
    decl.items
        .iter()
        .filter(|i| matches!(i, Item::Layer(l) if l.kind != "input"))
        .position(|i| matches!(i, Item::Layer(l) if l.name == name))
        .map_or(0, |p| p + 1)
}

/// `N` or `[C, H, W]`, each size positive.
fn input_dims(
    tokens: &TokenStream,
    what: &str,
    errs: &mut Errors,
    checks: &mut Vec<ConstCheck>,
) -> Option<Dims> {
    let trees: Vec<TokenTree> = tokens.clone().into_iter().collect();
    let parts: Vec<TokenStream> = match trees.as_slice() {
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Bracket => {
            args::split_commas(g.stream())
        }
        [TokenTree::Group(g)]
            if g.delimiter() == Delimiter::Parenthesis
                && args::split_commas(g.stream()).len() > 1 =>
        {
            // A tuple, as Python writes shapes: reported, then read as the shape it means.
            let parts = args::split_commas(g.stream());
            let list: Vec<String> = parts.iter().map(ToString::to_string).collect();
            errs.push(
                g.span(),
                format!(
                    "{what} is a shape in parentheses, `({0})`; shapes are written in brackets\n\nhelp: write `[{0}]`",
                    list.join(", ")
                ),
            );
            parts
        }
        _ => vec![tokens.clone()],
    };
    if parts.is_empty() {
        errs.push(
            span_of(tokens),
            format!("{what} needs at least one dimension, e.g. `[1, 28, 28]`"),
        );
        return None;
    }
    let mut dims = Vec::new();
    for p in &parts {
        let s = errs.ok(args::size(p, &format!("{what} size")))?;
        if s.known() == Some(0) {
            let key = if what.contains("`input`") {
                "`input`".to_string()
            } else {
                what.to_string()
            };
            errs.push(
                s.span(),
                format!("{key} has size 0; a network needs at least one input value"),
            );
            return None;
        }
        if let Size::Expr(..) = s {
            checks.push(positive(
                &s,
                &format!(
                    "{what} size, `{}`, is 0; a network needs at least one input value",
                    s.display()
                ),
            ));
        }
        dims.push(s);
    }
    Some(Dims(dims))
}

/// Every node's name with the names it reads (declared, or the node before it), for
/// messages about nodes read before they are declared.
fn dependencies(decl: &NetworkDecl) -> HashMap<String, Vec<String>> {
    let mut deps = HashMap::new();
    let mut prev: Option<String> = None;
    for item in &decl.items {
        let (name, parents) = match item {
            Item::Input { key, .. } => (key.to_string(), Vec::new()),
            Item::Output { .. } | Item::Broken(None) => continue,
            Item::Broken(Some(n)) => (n.to_string(), Vec::new()),
            Item::Layer(l) if l.kind == "input" => (l.name.to_string(), Vec::new()),
            Item::Layer(l) => {
                let parents = match (&l.parents, Join::from_name(&l.kind.to_string())) {
                    (Some((p, _)), _) => p.iter().map(|i| i.to_string()).collect(),
                    (None, Some(_)) => l
                        .args
                        .iter()
                        .filter_map(|a| single_ident(&a.value))
                        .map(|i| i.to_string())
                        .collect(),
                    (None, None) => prev.iter().cloned().collect(),
                };
                (l.name.to_string(), parents)
            }
        };
        deps.entry(name.clone()).or_insert(parents);
        prev = Some(name);
    }
    deps
}

/// A path from `from` to `to` through `deps`, if there is one.
fn path(
    deps: &HashMap<String, Vec<String>>,
    from: &str,
    to: &str,
    seen: &mut HashSet<String>,
) -> Option<Vec<String>> {
    if from == to {
        return Some(vec![to.to_string()]);
    }
    if !seen.insert(from.to_string()) {
        return None;
    }
    for p in deps.get(from).into_iter().flatten() {
        if let Some(mut rest) = path(deps, p, to, seen) {
            rest.insert(0, from.to_string());
            return Some(rest);
        }
    }
    None
}

/// Resolves a node's parents and lowers it.
fn lower_node(
    l: &LayerDecl,
    deps: &HashMap<String, Vec<String>>,
    scope: &HashMap<String, Entry>,
    last: Option<&str>,
    read: &mut HashSet<String>,
    errs: &mut Errors,
    checks: &mut Vec<ConstCheck>,
) -> (Option<Layer>, Option<Dims>) {
    let name = l.path.clone().unwrap_or_else(|| l.name.to_string());
    let kind = l.kind.to_string();
    let join = Join::from_name(&kind);
    let lower = kinds::lookup(&kind);
    if join.is_none() && lower.is_none() {
        errs.push(
            l.kind.span(),
            suggest::unknown("layer kind", &kind, &kinds::names(), LayerKind::ALIASES),
        );
        return (None, None);
    }

    // The parents' names: declared after the arguments, a join's arguments, or the node
    // before this one.
    let mut act = Act::Identity;
    let parent_names: Vec<(String, Span)> = match (&l.parents, join) {
        (Some((p, _)), _) => p.iter().map(|i| (i.to_string(), i.span())).collect(),
        (None, Some(_)) => {
            let mut names = Vec::new();
            for (k, a) in l.args.iter().enumerate() {
                if let Some(key) = &a.key {
                    errs.push(key.span(), format!("`{kind}` takes no named arguments: write `{name}: {kind}(a, b)` or `{name}: {kind}(a, b, relu)`"));
                    continue;
                }
                match single_ident(&a.value) {
                    Some(i)
                        if scope.contains_key(&i.to_string())
                            || deps.contains_key(&i.to_string()) =>
                    {
                        names.push((i.to_string(), i.span()))
                    }
                    _ if k + 1 == l.args.len() && k >= 1 => {
                        act = options::activation(&name, a, errs).unwrap_or(Act::Identity)
                    }
                    Some(i) => names.push((i.to_string(), i.span())),
                    None => errs.push(
                        a.span,
                        format!(
                            "`{kind}` reads nodes named by its arguments, found `{}`",
                            a.value
                        ),
                    ),
                }
            }
            names
        }
        (None, None) => last
            .map(|n| vec![(n.to_string(), l.kind.span())])
            .unwrap_or_default(),
    };
    if parent_names.is_empty() && l.parents.is_none() && join.is_none() {
        // No input declared before the first layer: reported once, for the network.
        return (None, None);
    }
    if parent_names.is_empty() {
        errs.push(
            l.args_span,
            format!("`{name}` reads no node; name its parents: `{name}: {kind}(a, b)`"),
        );
        return (None, None);
    }

    // Resolve them.
    let mut parents: Vec<(Option<Src>, Option<Dims>, Producer, Span)> = Vec::new();
    let mut ok = true;
    for (p, span) in &parent_names {
        if p == &name && (l.parents.is_some() || join.is_some()) {
            errs.push(*span, format!("`{name}` reads itself: that is a cycle; a node can only read nodes declared before it"));
            ok = false;
            continue;
        }
        match scope.get(p) {
            Some(e) => {
                read.insert(p.clone());
                parents.push((e.src, e.dims.clone(), e.producer.clone(), *span));
            }
            None if deps.contains_key(p) => {
                let msg = match path(deps, p, &name, &mut HashSet::new()) {
                    Some(cycle) => {
                        let mut shown: Vec<String> = vec![format!("`{name}`")];
                        shown.extend(cycle.iter().map(|c| format!("`{c}`")));
                        format!(
                            "`{name}` reads `{p}`, which is declared after it and depends on `{name}`: that is a cycle ({})\n\nhelp: a network is acyclic; a node can only read nodes declared before it",
                            shown.join(" -> ")
                        )
                    }
                    None => format!("`{name}` reads `{p}` before it is declared\n\nhelp: move `{p}` above `{name}`; a node can only read nodes declared before it"),
                };
                errs.push(*span, msg);
                ok = false;
            }
            None => {
                let known: Vec<&str> = scope.keys().map(String::as_str).collect();
                let hint = suggest::closest(p, &known)
                    .map(|k| format!("\n\nhelp: did you mean `{k}`?"))
                    .unwrap_or_default();
                errs.push(
                    *span,
                    format!("`{name}` reads `{p}`, which is not declared{hint}"),
                );
                ok = false;
            }
        }
    }
    if !ok {
        return (None, None);
    }

    let errors_before = errs.len();
    let (lowered, out) = match (join, lower) {
        (Some(j), _) => {
            let given: Vec<join::Parent> = parents
                .iter()
                .map(|(_, d, p, s)| join::Parent {
                    dims: d.as_ref(),
                    producer: p,
                    span: *s,
                })
                .collect();
            join::lower(j, l, &given, act, errs, checks)
        }
        (None, Some(lower)) => {
            if parents.len() > 1 {
                let list: Vec<String> =
                    parent_names.iter().map(|(n, _)| format!("`{n}`")).collect();
                errs.push(
                    l.parents.as_ref().map_or(l.kind.span(), |p| p.1),
                    format!("`{name}` is {} `{kind}` layer and reads one node, but names {} ({})\n\nhelp: join them first, e.g. `joined: concat({}),`", suggest::article(&kind), list.len(), list.join(", "), parent_names.iter().map(|(n, _)| n.as_str()).collect::<Vec<_>>().join(", ")),
                );
                return (None, None);
            }
            let (_, dims, producer, _) = &parents[0];
            let mut cx = Ctx {
                decl: l,
                name: name.clone(),
                input: dims.as_ref(),
                producer,
                errs,
                checks,
            };
            lower(&mut cx)
        }
        (None, None) => return (None, None),
    };
    let resolved = parents.iter().all(|p| p.0.is_some());
    let lowered = match (lowered, &out, &parents[0].1) {
        (Some(lowered), _, _) if resolved => lowered,
        // A layer whose own arguments are wrong but whose sizes are known (reported above).
        (None, Some(out), Some(in_dims))
            if resolved && join.is_none() && errs.len() > errors_before =>
        {
            let parents = parents.iter().filter_map(|p| p.0).collect();
            let layer = standin_layer(l.name.clone(), parents, in_dims.clone(), out.clone());
            return (Some(layer), Some(out.clone()));
        }
        _ => return (None, out),
    };
    let in_dims = parents[0]
        .1
        .clone()
        .unwrap_or_else(|| Dims::flat_of(Size::Lit(1, Span::call_site())));
    let layer = Layer {
        name: l.name.clone(),
        path: l.path.clone().unwrap_or_else(|| l.name.to_string()),
        parents: parents.iter().filter_map(|p| p.0).collect(),
        inputs: in_dims.flat(),
        outputs: lowered.out.flat(),
        in_dims,
        out_dims: lowered.out,
        kind: lowered.kind,
        act: lowered.act,
        init: lowered.init,
    };
    (Some(layer), out)
}
