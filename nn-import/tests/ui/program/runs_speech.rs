// The program the whole-program cases here run over their network `Speech`: construct it, run
// one input with the arena on the stack and with the caller's arena, and dequantize the
// output. Each case declares `Speech` with one mistake and includes this file, so its
// snapshot shows that the whole program reports that one error and nothing more.
fn main() -> Result<(), nn_core::Error> {
    let net = Speech::new();
    let input = [0i8; 1960];
    let mut output = [0i8; 4];
    net.run(&input, &mut output)?;
    let mut arena = [0i8; Speech::ARENA_I8];
    net.run_in(&mut arena, &input, &mut output)?;
    let q = Speech::OUTPUT_QUANT;
    let p: f32 = q.scale * (i32::from(output[0]) - q.zero_point) as f32;
    println!("{p} {} {:?}", Speech::ARENA_BYTES, Speech::INPUT_SHAPE);
    Ok(())
}
