// No such file. The code using the network reports nothing more.
use nn_core::network;

network! {
    #[weights = "weights/missing.safetensors"]
    struct Sine {
        input: 1,
        fc1: dense(16, relu),
        fc3: dense(1),
    }
}

static NET: Sine = Sine::new();

fn main() {
    let _ = NET;
}
