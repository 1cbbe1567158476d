use nn_core::network;

network! {
    struct Net {
        input: 784,
        fc1: dense(128, relu),
        drop: dropout(1.5),
        out: dense(10),
    }
}

fn main() {}
