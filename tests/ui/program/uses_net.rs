// The program (`main.rs`) over the case's network `Net` as it is, and `Deployed` as it
// should be.
type Model = Net;

include!("deployed.rs");
