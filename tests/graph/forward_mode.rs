//! Forward mode: tangents and Jacobians against reverse mode and finite differences.

use super::{everything, random, Skip, EPS, TOL};
use nn_core::gradcheck::relative_error;
use nn_core::nalgebra::SVector;
use rand::{rngs::StdRng, SeedableRng};

#[test]
fn tangents_match_finite_differences_and_reverse_mode() {
    let mut rng = StdRng::seed_from_u64(5);
    let net = everything(4);
    let (img, feat) = (random::<6>(&mut rng), random::<2>(&mut rng));
    let (v_img, v_feat) = (random::<6>(&mut rng), random::<2>(&mut rng));
    let trace = net.forward_trace(&img, &feat);
    let (tq, tr) = net.tangent(&img, &feat, &trace, &v_img, &v_feat);

    // (f(x + εv) - f(x - εv)) / 2ε.
    let (qp, rp) = net.forward(&(img + v_img * EPS), &(feat + v_feat * EPS));
    let (qm, rm) = net.forward(&(img - v_img * EPS), &(feat - v_feat * EPS));
    let nq = (qp - qm) / (2.0 * EPS);
    let nr = (rp - rm) / (2.0 * EPS);
    assert!(relative_error(tq.as_slice(), nq.as_slice()) < TOL);
    assert!(relative_error(tr.as_slice(), nr.as_slice()) < TOL);

    // uᵀ (J v) = (Jᵀ u)ᵀ v, with Jᵀ u from backward.
    let (u, w) = (random::<3>(&mut rng), random::<2>(&mut rng));
    let (g_img, g_feat) =
        net.backward(&img, &feat, &trace, &u, &w, &mut super::Everything::zeros());
    let forward = u.dot(&tq) + w.dot(&tr);
    let reverse = g_img.dot(&v_img) + g_feat.dot(&v_feat);
    assert!(
        (forward - reverse).abs() < 1e-12 * (1.0 + forward.abs()),
        "{forward} vs {reverse}"
    );
}

#[test]
fn the_jacobian_matches_finite_differences_and_reverse_mode() {
    let mut rng = StdRng::seed_from_u64(9);
    let net: Skip<f64> = Skip::new(&mut rng);
    let x = random::<4>(&mut rng);
    let jac = net.jacobian(&x);
    let trace = net.forward_trace(&x);
    for i in 0..4 {
        let mut e = SVector::<f64, 4>::zeros();
        e[i] = EPS;
        let col = (net.forward(&(x + e)) - net.forward(&(x - e))) / (2.0 * EPS);
        assert!(
            relative_error(jac.column(i).as_slice(), col.as_slice()) < TOL,
            "column {i}"
        );
    }
    // Row k of J is the input gradient of output k.
    for k in 0..3 {
        let mut u = SVector::<f64, 3>::zeros();
        u[k] = 1.0;
        let row = net.backward(&x, &trace, &u, &mut Skip::zeros());
        let jr: Vec<f64> = jac.row(k).iter().copied().collect();
        assert!(relative_error(&jr, row.as_slice()) < 1e-12, "row {k}");
    }
}
