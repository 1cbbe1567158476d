// The flat size of a `[C, 8, 8]` input would be `C * 64`: stable Rust cannot compute with a
// const parameter inside a type, so the macro says so instead of the compiler's
// "generic parameters may not be used in const operations" on generated code.
use nn_core::network;

network! {
    struct Net<const C: usize> {
        input: [C, 8, 8],
        flat: flatten,
        out: dense(10),
    }
}

fn main() {
    let net: Net<3> = Net::zeros();
    let _ = net;
}
