//! Injected faults: a seeded draw per request decides whether it fails, and how.

use rand::rngs::StdRng;
use rand::{RngExt, SeedableRng};

/// A fault the server can inject instead of answering.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Fault {
    /// HTTP 500 `InternalError`.
    InternalError,
    /// HTTP 429 `FlowLimitExceeded`.
    Throttled,
    /// HTTP 503 `ServiceUnavailableTemp`.
    Unavailable,
    /// The connection is closed without an answer.
    DropConnection,
}

impl Fault {
    const ALL: [Fault; 4] = [
        Fault::InternalError,
        Fault::Throttled,
        Fault::Unavailable,
        Fault::DropConnection,
    ];
}

/// Draws, in request order, which requests fail. The same seed gives the same
/// sequence of decisions.
#[derive(Debug)]
pub(crate) struct FaultDice {
    fail_rate: f64,
    rng: StdRng,
}

impl FaultDice {
    /// Fails about `fail_rate` (clamped to 0.0..=1.0) of the draws.
    pub(crate) fn new(fail_rate: f64, seed: u64) -> Self {
        let fail_rate = if fail_rate.is_nan() {
            0.0
        } else {
            fail_rate.clamp(0.0, 1.0)
        };
        FaultDice {
            fail_rate,
            rng: StdRng::seed_from_u64(seed),
        }
    }

    /// The decision for the next request. Both random values are drawn every time,
    /// so one decision never shifts the ones after it.
    pub(crate) fn draw(&mut self) -> Option<Fault> {
        let roll: f64 = self.rng.random();
        let pick = self.rng.random_range(0..Fault::ALL.len());
        (roll < self.fail_rate).then_some(Fault::ALL[pick])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(rate: f64, seed: u64, n: usize) -> Vec<Option<Fault>> {
        let mut dice = FaultDice::new(rate, seed);
        (0..n).map(|_| dice.draw()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_faults() {
        assert_eq!(sequence(0.3, 7, 500), sequence(0.3, 7, 500));
        assert_ne!(sequence(0.3, 7, 500), sequence(0.3, 8, 500));
    }

    #[test]
    fn the_rate_is_respected_and_every_kind_occurs() {
        let faults: Vec<Fault> = sequence(0.25, 42, 4000).into_iter().flatten().collect();
        let share = faults.len() as f64 / 4000.0;
        assert!((0.22..0.28).contains(&share), "{share}");
        for kind in Fault::ALL {
            assert!(faults.contains(&kind), "{kind:?}");
        }
    }

    #[test]
    fn zero_and_one_are_never_and_always() {
        assert!(sequence(0.0, 1, 200).iter().all(Option::is_none));
        assert!(sequence(1.0, 1, 200).iter().all(Option::is_some));
        assert!(sequence(f64::NAN, 1, 10).iter().all(Option::is_none));
    }
}
