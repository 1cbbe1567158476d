//! Blocks: a sub-network declared once before the struct and expanded at each use.
//!
//! ```text
//! block Basic(planes, stride = 1, down = false) {
//!     conv1: conv2d(planes, 3, stride = stride, pad = 1, bias = false),
//!     bn1: batch_norm(relu),
//!     conv2: conv2d(planes, 3, pad = 1, bias = false),
//!     bn2: batch_norm,
//!     downsample.0: conv2d(planes, 1, stride = stride, bias = false)(input) if down,
//!     downsample.1: batch_norm if down,
//!     out: add(bn2, downsample.1, relu),
//! }
//! pub struct Net { ..., layer1.0: Basic(64), layer2.0: Basic(128, stride = 2, down = true), ... }
//! ```
//!
//! A use `layer2.0: Basic(128, ...)` becomes the block's layers named `layer2.0.conv1`, ...
//! (fields `layer2_0_conv1`, ...), each parameter replaced by its value and spanned on the
//! use, as are the nodes a join reads, so a size that does not fit is reported there, naming
//! the layer. What is the same at every use (a layer's kind, an argument that names no
//! parameter) keeps its place in the body, and a mistake there (`init = he_normal`,
//! `linear(planes)`) is reported there, once: `validate::Errors::drop_repeats` drops what a
//! later use of the same block layer repeats.
//! Inside a block, `input` is what the use reads (the node before it, or its `(parent)`);
//! the block's output is its last layer. A layer marked `if FLAG` is left out where `FLAG`
//! is `false`, and whatever reads it then reads its input. Blocks may use earlier blocks.

use crate::ast::{Arg, BlockDecl, Item, LayerDecl, NetworkDecl};
use crate::ir::Join;
use crate::parse::single_ident;
use proc_macro2::{Group, Span, TokenStream, TokenTree};
use std::collections::HashMap;
use syn::Ident;

/// How deep blocks may nest: a block using itself is reported, not expanded forever.
const MAX_DEPTH: usize = 8;

/// Replaces every use of a block in `decl` by the block's layers; mistakes go to
/// `decl.errors`.
pub fn expand(decl: &mut NetworkDecl) {
    let blocks = std::mem::take(&mut decl.blocks);
    let mut errors = Vec::new();
    for (i, b) in blocks.iter().enumerate() {
        if blocks[..i].iter().any(|o| o.name == b.name) {
            errors.push(syn::Error::new(
                b.name.span(),
                format!("the block `{}` is declared twice", b.name),
            ));
        }
    }
    let mut cx = Expander {
        blocks: &blocks,
        errors: &mut errors,
    };
    let items = std::mem::take(&mut decl.items);
    let mut out = Vec::with_capacity(items.len());
    // What a top-level name stands for: a block use stands for its output.
    let mut alias: HashMap<String, Ident> = HashMap::new();
    let mut prev: Option<Ident> = None;
    for item in items {
        match item {
            Item::Layer(l) if cx.block(&l.kind).is_some() => {
                let input = match &l.parents {
                    Some((p, _)) => p.first().map(|p| resolve(&alias, p)),
                    None => prev.clone(),
                };
                let path = l.path.clone().unwrap_or_else(|| l.name.to_string());
                let before = out.len();
                let output = cx.use_block(&l, &path, input, &mut out, 0);
                match output {
                    Some(o) => {
                        alias.insert(l.name.to_string(), o.clone());
                        prev = Some(o);
                    }
                    None if out.len() == before => {
                        // Nothing expanded: a placeholder so what reads the use is not
                        // reported again.
                        out.push(Item::Broken(Some(l.name.clone())));
                        prev = Some(l.name.clone());
                    }
                    None => prev = None,
                }
            }
            Item::Layer(l) if cx.misspelled_block(&l.kind) => {
                prev = Some(l.name.clone());
                out.push(Item::Broken(Some(l.name.clone())));
            }
            Item::Layer(mut l) => {
                if let Some(c) = &l.cond {
                    cx.errors.push(syn::Error::new(
                        c.span(),
                        "`if` keeps a layer of a block where a flag of the block is true; outside a block, leave the layer out",
                    ));
                    l.cond = None;
                }
                rename_refs(&mut l, &|i| resolve(&alias, i));
                // After a block use, the next layer reads the block's output.
                if l.parents.is_none() && Join::from_name(&l.kind.to_string()).is_none() {
                    if let Some(p) = prev.as_ref().filter(|p| out_is_not_last(&out, p)) {
                        l.parents = Some((vec![p.clone()], l.kind.span()));
                    }
                }
                prev = Some(l.name.clone());
                out.push(Item::Layer(l));
            }
            Item::Input { key, size } => {
                prev = Some(key.clone());
                out.push(Item::Input { key, size });
            }
            Item::Output { key, names, span } => {
                let names = names.iter().map(|n| resolve(&alias, n)).collect();
                out.push(Item::Output { key, names, span });
            }
            Item::Broken(n) => {
                prev = n.clone();
                out.push(Item::Broken(n));
            }
        }
    }
    decl.items = out;
    decl.errors.extend(errors);
}

/// Whether `p` is not the last node in `out` (so the next layer must name it).
fn out_is_not_last(out: &[Item], p: &Ident) -> bool {
    match out.last() {
        Some(Item::Layer(l)) => l.name != *p,
        Some(Item::Broken(Some(n))) => n != p,
        Some(Item::Input { key, .. }) => key != p,
        _ => true,
    }
}

fn resolve(alias: &HashMap<String, Ident>, i: &Ident) -> Ident {
    alias
        .get(&i.to_string())
        .cloned()
        .unwrap_or_else(|| i.clone())
}

struct Expander<'a> {
    blocks: &'a [BlockDecl],
    errors: &'a mut Vec<syn::Error>,
}

impl Expander<'_> {
    fn block(&self, kind: &Ident) -> Option<&BlockDecl> {
        self.blocks.iter().find(|b| b.name == *kind)
    }

    /// Reports `kind` when it is no layer kind but close to a block's name (`Basc`).
    fn misspelled_block(&mut self, kind: &Ident) -> bool {
        let word = kind.to_string();
        if crate::kinds::lookup(&word).is_some() || crate::kinds::names().contains(&word.as_str()) {
            return false;
        }
        let names: Vec<String> = self.blocks.iter().map(|b| b.name.to_string()).collect();
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        if crate::suggest::closest(&word, &names).is_none() {
            return false;
        }
        self.errors.push(syn::Error::new(
            kind.span(),
            crate::suggest::unknown("block", &word, &names, &[]),
        ));
        true
    }

    /// Expands the use `u` of a block (module path `path`) reading `input` into `out`;
    /// returns the block's output node.
    fn use_block(
        &mut self,
        u: &LayerDecl,
        path: &str,
        input: Option<Ident>,
        out: &mut Vec<Item>,
        depth: usize,
    ) -> Option<Ident> {
        let blocks = self.blocks;
        let b = blocks.iter().find(|b| b.name == u.kind)?;
        let span = u.name.span();
        if depth >= MAX_DEPTH {
            self.errors.push(syn::Error::new(
                u.kind.span(),
                format!(
                    "the block `{}` uses itself (blocks nest at most {MAX_DEPTH} deep)",
                    b.name
                ),
            ));
            return None;
        }
        let Some(input) = input else {
            self.errors.push(syn::Error::new(
                u.kind.span(),
                format!("`{path}` uses the block `{}`, which needs an input: declare `input: ...` first", b.name),
            ));
            return None;
        };
        let values = self.bind(b, u, path)?;
        let field = u.name.to_string();
        // Inner names (as written, `downsample.1` as `downsample_1`) to the nodes they are.
        let mut inner: HashMap<String, Ident> = HashMap::new();
        inner.insert("input".to_string(), input.clone());
        let mut last = input;
        for item in &b.items {
            let Item::Layer(l) = item else {
                if let Item::Input { key, .. } | Item::Output { key, .. } = item {
                    self.errors.push(syn::Error::new(
                        key.span(),
                        format!("a block has no `{key}` entry: `input` is what its use reads, its output is its last layer"),
                    ));
                }
                continue;
            };
            let local = l.path.clone().unwrap_or_else(|| l.name.to_string());
            let full_path = format!("{path}.{local}");
            let full = Ident::new(&format!("{field}_{}", l.name), span);
            let resolve_inner = |i: &Ident| -> Ident {
                inner
                    .get(&i.to_string())
                    .cloned()
                    .unwrap_or_else(|| at(i, span))
            };
            // Its input: the layer named, or the node before it.
            let parent = match &l.parents {
                Some((p, _)) => p
                    .first()
                    .map(&resolve_inner)
                    .unwrap_or_else(|| last.clone()),
                None => last.clone(),
            };
            if let Some(flag) = &l.cond {
                match values.get(&flag.to_string()).map(|v| v.to_string()) {
                    Some(v) if v == "true" => {}
                    Some(v) if v == "false" => {
                        inner.insert(l.name.to_string(), parent.clone());
                        last = parent;
                        continue;
                    }
                    Some(v) => {
                        self.errors.push(syn::Error::new(
                            span,
                            format!("`{path}` gives the block `{}` `{flag} = {v}`, but `{flag}` keeps or leaves out `{full_path}`: it must be `true` or `false`", b.name),
                        ));
                        continue;
                    }
                    None => {
                        self.errors.push(syn::Error::new(
                            flag.span(),
                            format!("`{flag}` is not a parameter of the block `{}`; `if` takes one of its flags", b.name),
                        ));
                        continue;
                    }
                }
            }
            if self.block(&l.kind).is_some() {
                let nested = LayerDecl {
                    name: full.clone(),
                    path: Some(full_path.clone()),
                    cond: None,
                    kind: l.kind.clone(),
                    args: l
                        .args
                        .iter()
                        .map(|a| substitute_arg(a, &values, span, false))
                        .collect(),
                    args_span: span,
                    parents: None,
                    origin: None,
                };
                let o = self.use_block(&nested, &full_path, Some(parent), out, depth + 1)?;
                inner.insert(l.name.to_string(), o.clone());
                last = o;
                continue;
            }
            let join = Join::from_name(&l.kind.to_string()).is_some();
            let mut layer = LayerDecl {
                name: full.clone(),
                path: Some(full_path),
                cond: None,
                // The kind is the same at every use: spanned in the body, where a wrong
                // one is written.
                kind: l.kind.clone(),
                args: l
                    .args
                    .iter()
                    .map(|a| substitute_arg(a, &values, span, !join))
                    .collect(),
                args_span: span,
                parents: None,
                origin: Some(format!("{}.{local}", b.name)),
            };
            if join {
                rename_refs(&mut layer, &resolve_inner);
            } else {
                layer.parents = Some((vec![parent], span));
            }
            inner.insert(l.name.to_string(), full.clone());
            last = full;
            out.push(Item::Layer(layer));
        }
        Some(last)
    }

    /// The use's arguments bound to the block's parameters (defaults filled in).
    fn bind(
        &mut self,
        b: &BlockDecl,
        u: &LayerDecl,
        path: &str,
    ) -> Option<HashMap<String, TokenStream>> {
        let mut values: HashMap<String, TokenStream> = HashMap::new();
        let mut ok = true;
        let names: Vec<String> = b.params.iter().map(|(p, _)| p.to_string()).collect();
        let signature = format!("{}({})", b.name, names.join(", "));
        let mut positional = 0;
        for a in &u.args {
            let key = match &a.key {
                Some(k) => k.to_string(),
                None => {
                    positional += 1;
                    match names.get(positional - 1) {
                        Some(n) => n.clone(),
                        None => {
                            self.errors.push(syn::Error::new(
                                a.span,
                                format!("`{path}` gives the block `{signature}` {positional} arguments or more; it takes {}", names.len()),
                            ));
                            ok = false;
                            continue;
                        }
                    }
                }
            };
            if !names.contains(&key) {
                self.errors.push(syn::Error::new(
                    a.key.as_ref().map_or(a.span, |k| k.span()),
                    crate::suggest::unknown(
                        &format!("parameter of the block `{signature}`"),
                        &key,
                        &names.iter().map(String::as_str).collect::<Vec<_>>(),
                        &[],
                    ),
                ));
                ok = false;
            } else if values.insert(key.clone(), a.value.clone()).is_some() {
                self.errors.push(syn::Error::new(
                    a.span,
                    format!("`{key}` is given twice for `{path}`"),
                ));
                ok = false;
            }
        }
        for (p, default) in &b.params {
            if values.contains_key(&p.to_string()) {
                continue;
            }
            match default {
                Some(d) => {
                    values.insert(p.to_string(), d.clone());
                }
                None => {
                    self.errors.push(syn::Error::new(
                        u.args_span,
                        format!("`{path}` uses the block `{signature}` without a value for `{p}`, which has no default\n\nhelp: give it one among the arguments, e.g. `{p} = ...`"),
                    ));
                    ok = false;
                }
            }
        }
        ok.then_some(values)
    }
}

/// Renames the nodes a layer reads: its `(parents)`, or a join's arguments.
fn rename_refs(l: &mut LayerDecl, f: &dyn Fn(&Ident) -> Ident) {
    // The node read, spanned where it is named (for a block, at its use).
    let renamed = |i: &Ident| at(&f(i), i.span());
    if let Some((p, _)) = &mut l.parents {
        for i in p.iter_mut() {
            *i = renamed(i);
        }
    }
    if Join::from_name(&l.kind.to_string()).is_some() {
        for a in l.args.iter_mut().filter(|a| a.key.is_none()) {
            if let Some(i) = dotted(&a.value).or_else(|| single_ident(&a.value)) {
                a.value = TokenTree::Ident(renamed(&i)).into();
            }
        }
    }
}

/// `a.0.b` as the field identifier `a_0_b`, when `tokens` is a dotted name.
fn dotted(tokens: &TokenStream) -> Option<Ident> {
    if !tokens
        .clone()
        .into_iter()
        .any(|t| matches!(t, TokenTree::Punct(ref p) if p.as_char() == '.'))
    {
        return None;
    }
    syn::parse::Parser::parse2(crate::parse::parse_path, tokens.clone())
        .ok()
        .map(|(i, _)| i)
}

/// An argument with the block's parameters replaced by their values, spanned at `span`. With
/// `body`, one that names no parameter is the same at every use and keeps the spans of the
/// block's body, so a mistake in it is reported there, once; a join's arguments name the
/// nodes it reads, whose shapes each use sets, and are spanned at the use.
fn substitute_arg(a: &Arg, values: &HashMap<String, TokenStream>, span: Span, body: bool) -> Arg {
    if body && !names_any(&a.value, values) {
        return Arg {
            key: a.key.clone(),
            value: a.value.clone(),
            span: a.span,
        };
    }
    Arg {
        key: a.key.as_ref().map(|k| at(k, span)),
        value: substitute(&a.value, values, span),
        span,
    }
}

/// Whether `tokens` name one of the parameters `values` binds.
fn names_any(tokens: &TokenStream, values: &HashMap<String, TokenStream>) -> bool {
    tokens.clone().into_iter().any(|t| match t {
        TokenTree::Ident(i) => values.contains_key(&i.to_string()),
        TokenTree::Group(g) => names_any(&g.stream(), values),
        _ => false,
    })
}

fn substitute(
    tokens: &TokenStream,
    values: &HashMap<String, TokenStream>,
    span: Span,
) -> TokenStream {
    tokens
        .clone()
        .into_iter()
        .flat_map(|t| -> TokenStream {
            match t {
                TokenTree::Ident(i) => match values.get(&i.to_string()) {
                    Some(v) => respan(v, span),
                    None => TokenTree::Ident(at(&i, span)).into(),
                },
                TokenTree::Group(g) => {
                    let mut n = Group::new(g.delimiter(), substitute(&g.stream(), values, span));
                    n.set_span(span);
                    TokenTree::Group(n).into()
                }
                mut t => {
                    t.set_span(span);
                    t.into()
                }
            }
        })
        .collect()
}

fn respan(tokens: &TokenStream, span: Span) -> TokenStream {
    substitute(tokens, &HashMap::new(), span)
}

/// `i` spanned at `span`.
fn at(i: &Ident, span: Span) -> Ident {
    let mut i = i.clone();
    i.set_span(span);
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The declaration after expansion: each layer as `path <- parents`, and the errors.
    fn expanded(decl: proc_macro2::TokenStream) -> (Vec<String>, Vec<String>) {
        let mut decl: NetworkDecl = syn::parse2(decl).expect("parses");
        expand(&mut decl);
        let layers = decl
            .items
            .iter()
            .filter_map(|i| match i {
                Item::Layer(l) => {
                    let reads: Vec<String> = match &l.parents {
                        Some((p, _)) => p.iter().map(|i| i.to_string()).collect(),
                        None => l.args.iter().map(|a| a.value.to_string()).collect(),
                    };
                    Some(format!(
                        "{} <- {}",
                        l.path.clone().unwrap_or_else(|| l.name.to_string()),
                        reads.join(" ")
                    ))
                }
                _ => None,
            })
            .collect();
        let errors = decl.errors.iter().map(|e| e.to_string()).collect();
        (layers, errors)
    }

    #[test]
    fn a_use_becomes_the_blocks_layers_named_as_pytorch_nests_them() {
        let (layers, errors) = expanded(quote::quote! {
            block B(c, down = false) {
                conv: conv2d(c, 3, pad = 1),
                downsample.0: conv2d(c, 1)(input) if down,
                sum: add(conv, downsample.0),
            }
            struct Net {
                input: [4, 8, 8],
                layer1.0: B(4),
                layer2.0: B(8, down = true),
                head.fc: dense(2),
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            layers,
            [
                "layer1.0.conv <- input",
                "layer1.0.sum <- layer1_0_conv input",
                "layer2.0.conv <- layer1_0_sum",
                "layer2.0.downsample.0 <- layer1_0_sum",
                "layer2.0.sum <- layer2_0_conv layer2_0_downsample_0",
                "head.fc <- 2",
            ]
        );
    }

    #[test]
    fn blocks_nest_and_a_later_layer_reads_the_blocks_output() {
        let (layers, errors) = expanded(quote::quote! {
            block Inner(c) { conv: conv2d(c, 1), bn: batch_norm }
            block Outer(c) { a: Inner(c), b: Inner(c) }
            struct Net { input: [2, 4, 4], stage: Outer(3), gap: global_avg_pool }
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            layers,
            [
                "stage.a.conv <- input",
                "stage.a.bn <- stage_a_conv",
                "stage.b.conv <- stage_a_bn",
                "stage.b.bn <- stage_b_conv",
                "gap <- ",
            ]
        );
    }

    #[test]
    fn mistakes_in_a_use_are_reported_once_each() {
        let (_, errors) = expanded(quote::quote! {
            block B(c, down = false) { conv: conv2d(c, 1), extra: dense(c) if down }
            struct Net {
                input: [2, 4, 4],
                a: B(),
                b: B(1, 2, 3),
                c: B(1, dwn = true),
                d: B(1, down = maybe),
                e: dense(3) if down,
                f: Bb(1),
            }
        });
        assert_eq!(errors.len(), 6, "{errors:?}");
        assert!(
            errors[5].contains("unknown block `Bb`; the only block is `B`"),
            "{}",
            errors[5]
        );
        assert!(
            errors[0].contains("`a` uses the block `B(c, down)` without a value for `c`"),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].contains("3 arguments or more; it takes 2"),
            "{}",
            errors[1]
        );
        assert!(errors[2].contains("did you mean `down`"), "{}", errors[2]);
        assert!(
            errors[3].contains("`down = maybe`") && errors[3].contains("`true` or `false`"),
            "{}",
            errors[3]
        );
        assert!(errors[4].contains("outside a block"), "{}", errors[4]);
    }

    #[test]
    fn a_block_using_itself_is_reported() {
        let (_, errors) = expanded(quote::quote! {
            block B(c) { inner: B(c) }
            struct Net { input: [2, 4, 4], a: B(1) }
        });
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].contains("uses itself"), "{}", errors[0]);
    }

    #[test]
    fn dotted_names_parse_whatever_the_lexer_makes_of_them() {
        // `x.0.1` lexes as `x`, `.`, `0.1`; `head.fc` as three tokens.
        let (layers, errors) = expanded(quote::quote! {
            struct Net { input: 4, x.0.1: dense(3), head.fc: dense(2)(x.0.1) }
        });
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(layers, ["x.0.1 <- 3", "head.fc <- x_0_1"]);
    }
}
