// Networks compute in `f32` or `f64`.
use nn_core::network;

network! {
    struct Mlp {
        input: 4,
        fc1: dense(8, relu),
        out: dense(2),
    }
}

fn main() {
    let _net: Mlp<i32> = Mlp::zeros();
}
