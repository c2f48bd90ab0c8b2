//! [`Data`]: the labelled points of the plane a [`Session`](super::Session) trains on.

use std::f64::consts::PI;

use rand::{Rng, RngExt, SeedableRng};

use crate::error::{Error, Result};

/// A labelled point of the plane: two features and a class, 0 or 1.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Point {
    /// The features `(x1, x2)`.
    pub x: [f64; 2],
    /// The class index, 0 or 1 (the hinge loss reads it as the label `2·class − 1`, so ±1).
    pub class: usize,
}

/// The most points a generated data set may have.
pub const MAX_POINTS: usize = 2_000;

/// Where the points come from.
#[derive(Clone, Debug, PartialEq)]
pub enum Data {
    /// The tutorial's XOR table, `sample_data/sample.csv`: (0,0), (0,1), (1,1), (1,0), with
    /// the class index the tutorial trains on, its one-hot column `T[:, 0]` (`class1`):
    /// 0, 1, 0, 1.
    Xor,
    /// The 100 two-moons points on which benchmark W1 runs micrograd's demo
    /// (`benches/data/moons.csv`, label −1 → class 0, +1 → class 1; made with fixed seeds by
    /// the team's generator, not by scikit-learn as micrograd's own notebook).
    MicrogradMoons,
    /// Two interleaving half circles, as scikit-learn's `make_moons` draws them (the data of
    /// micrograd's demo): the upper arc `(cos t, sin t)` is class 0, the lower arc
    /// `(1 − cos t, 0.5 − sin t)` class 1, `t` evenly spaced over `[0, π]`, then Gaussian noise
    /// of standard deviation `noise` on each coordinate.
    Moons {
        /// The number of points (half on each arc), 1 to [`MAX_POINTS`].
        size: usize,
        /// The standard deviation of the noise, finite and ≥ 0.
        noise: f64,
        /// The seed of the noise.
        seed: u64,
    },
    /// A disk of radius 0.5 (class 0) inside a ring from radius 0.7 to 1 (class 1), at
    /// uniformly random angles and radii, then Gaussian noise (TensorFlow Playground's circle).
    Circle {
        /// The number of points (half in each class), 1 to [`MAX_POINTS`].
        size: usize,
        /// The standard deviation of the noise, finite and ≥ 0.
        noise: f64,
        /// The seed of the positions and the noise.
        seed: u64,
    },
    /// Two interleaved spirals of 1.75 turns each, out to radius 1, then Gaussian noise
    /// (TensorFlow Playground's spiral).
    Spiral {
        /// The number of points (half on each spiral), 1 to [`MAX_POINTS`].
        size: usize,
        /// The standard deviation of the noise, finite and ≥ 0.
        noise: f64,
        /// The seed of the noise.
        seed: u64,
    },
    /// The learner's own points (1 to [`MAX_POINTS`], finite, classes 0 or 1).
    Points(Vec<Point>),
}

/// Benchmark W1's moons: `x0,x1,y` with `y` = ±1.
const MICROGRAD_MOONS: &str = include_str!("../../benches/data/moons.csv");

fn invalid(message: String) -> Error {
    Error::InvalidArgument {
        what: "train::Data",
        message,
    }
}

fn check_generated(kind: &str, size: usize, noise: f64) -> Result<()> {
    if size == 0 || size > MAX_POINTS {
        return Err(invalid(format!(
            "{kind}: size must be in 1..={MAX_POINTS}, found {size}"
        )));
    }
    if !(noise.is_finite() && noise >= 0.0) {
        return Err(invalid(format!(
            "{kind}: noise must be finite and ≥ 0, found {noise}"
        )));
    }
    Ok(())
}

/// One standard normal draw (Box–Muller, the cosine branch).
fn normal(rng: &mut impl Rng) -> f64 {
    // 1 − U lies in (0, 1], so the logarithm is finite.
    let u1: f64 = 1.0 - rng.random::<f64>();
    let u2: f64 = rng.random();
    (-2.0 * u1.ln()).sqrt() * (2.0 * PI * u2).cos()
}

/// `n` evenly spaced numbers from 0 to `end` (`[0]` for `n` = 1), as `np.linspace`.
fn linspace(n: usize, end: f64) -> impl Iterator<Item = f64> {
    let steps = n.saturating_sub(1).max(1) as f64;
    (0..n).map(move |i| end * i as f64 / steps)
}

impl Data {
    /// The points, in a fixed order: class 0's first for the generated sets.
    ///
    /// ```
    /// use scalargrad::train::Data;
    /// let xor = Data::Xor.points()?;
    /// assert_eq!(xor.iter().map(|p| p.class).collect::<Vec<_>>(), [0, 1, 0, 1]);
    /// let moons = Data::Moons { size: 50, noise: 0.1, seed: 3 }.points()?;
    /// assert_eq!(moons.len(), 50);
    /// assert!(Data::Spiral { size: 0, noise: 0.0, seed: 0 }.points().is_err());
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] naming what is wrong: a size of 0 or above [`MAX_POINTS`], a
    /// negative or non-finite noise, or a user point that is not finite or has a class other
    /// than 0 or 1 (the message gives its index).
    pub fn points(&self) -> Result<Vec<Point>> {
        match self {
            Data::Xor => Ok([
                ([0.0, 0.0], 0),
                ([0.0, 1.0], 1),
                ([1.0, 1.0], 0),
                ([1.0, 0.0], 1),
            ]
            .into_iter()
            .map(|(x, class)| Point { x, class })
            .collect()),
            Data::MicrogradMoons => Ok(micrograd_moons()),
            &Data::Moons { size, noise, seed } => {
                check_generated("moons", size, noise)?;
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
                let outer = size / 2;
                let arcs = linspace(outer, PI)
                    .map(|t| ([t.cos(), t.sin()], 0))
                    .chain(linspace(size - outer, PI).map(|t| ([1.0 - t.cos(), 0.5 - t.sin()], 1)))
                    .collect::<Vec<_>>();
                Ok(with_noise(arcs, noise, &mut rng))
            }
            &Data::Circle { size, noise, seed } => {
                check_generated("circle", size, noise)?;
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
                let inner = size / 2;
                let ring: Vec<([f64; 2], usize)> = (0..size)
                    .map(|i| {
                        let class = usize::from(i >= inner);
                        let r = if class == 0 {
                            rng.random_range(0.0..0.5)
                        } else {
                            rng.random_range(0.7..1.0)
                        };
                        let angle = rng.random_range(0.0..2.0 * PI);
                        ([r * angle.cos(), r * angle.sin()], class)
                    })
                    .collect();
                Ok(with_noise(ring, noise, &mut rng))
            }
            &Data::Spiral { size, noise, seed } => {
                check_generated("spiral", size, noise)?;
                let mut rng = rand::rngs::Xoshiro256PlusPlus::seed_from_u64(seed);
                let first = size / 2;
                let arms: Vec<([f64; 2], usize)> = (0..size)
                    .map(|i| {
                        let class = usize::from(i >= first);
                        let (k, n) = if class == 0 {
                            (i, first)
                        } else {
                            (i - first, size - first)
                        };
                        let r = (k as f64 + 1.0) / n as f64;
                        let t = 1.75 * 2.0 * PI * r + PI * class as f64;
                        ([r * t.sin(), r * t.cos()], class)
                    })
                    .collect();
                Ok(with_noise(arms, noise, &mut rng))
            }
            Data::Points(points) => {
                if points.is_empty() || points.len() > MAX_POINTS {
                    return Err(invalid(format!(
                        "points: give 1 to {MAX_POINTS} points, found {}",
                        points.len()
                    )));
                }
                if let Some((i, p)) = points
                    .iter()
                    .enumerate()
                    .find(|(_, p)| !p.x.iter().all(|c| c.is_finite()) || p.class > 1)
                {
                    return Err(invalid(format!(
                        "points: point {i} must have finite coordinates and class 0 or 1, found ({}, {}) of class {}",
                        p.x[0], p.x[1], p.class
                    )));
                }
                Ok(points.clone())
            }
        }
    }
}

fn with_noise(points: Vec<([f64; 2], usize)>, noise: f64, rng: &mut impl Rng) -> Vec<Point> {
    points
        .into_iter()
        .map(|([a, b], class)| {
            let x = if noise == 0.0 {
                [a, b]
            } else {
                [a + noise * normal(rng), b + noise * normal(rng)]
            };
            Point { x, class }
        })
        .collect()
}

fn micrograd_moons() -> Vec<Point> {
    MICROGRAD_MOONS
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let f: Vec<f64> = line
                .split(',')
                .map(|c| {
                    c.trim()
                        .parse()
                        .expect("benches/data/moons.csv holds numbers")
                })
                .collect();
            Point {
                x: [f[0], f[1]],
                class: usize::from(f[2] > 0.0),
            }
        })
        .collect()
}

/// A rectangle of the plane: `x` from `x_min` to `x_max`, `y` likewise.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bounds {
    /// The left edge.
    pub x_min: f64,
    /// The right edge.
    pub x_max: f64,
    /// The bottom edge.
    pub y_min: f64,
    /// The top edge.
    pub y_max: f64,
}

impl Bounds {
    /// The smallest rectangle around `points`, widened on each side by a quarter of its size
    /// (at least 0.5), so that the regions around the outermost points show.
    ///
    /// ```
    /// use scalargrad::train::{Bounds, Data};
    /// let b = Bounds::around(&Data::Xor.points()?);
    /// assert_eq!((b.x_min, b.x_max, b.y_min, b.y_max), (-0.5, 1.5, -0.5, 1.5));
    /// # Ok::<(), scalargrad::Error>(())
    /// ```
    #[must_use]
    pub fn around(points: &[Point]) -> Self {
        let fold = |k: usize| {
            points
                .iter()
                .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
                    (lo.min(p.x[k]), hi.max(p.x[k]))
                })
        };
        let pad = |(lo, hi): (f64, f64)| {
            if lo > hi {
                return (-1.0, 1.0);
            }
            let m = ((hi - lo) / 4.0).max(0.5);
            (lo - m, hi + m)
        };
        let (x_min, x_max) = pad(fold(0));
        let (y_min, y_max) = pad(fold(1));
        Bounds {
            x_min,
            x_max,
            y_min,
            y_max,
        }
    }

    /// The centres of an `nx` × `ny` grid of cells over the rectangle, row by row from the
    /// top (`y_max`) down and left to right in each row, as an image's pixels.
    ///
    /// # Errors
    /// [`Error::InvalidArgument`] if `nx` or `ny` is 0 or above 1,000, or the rectangle is not
    /// finite with `x_min < x_max` and `y_min < y_max`.
    pub fn grid(&self, nx: usize, ny: usize) -> Result<Vec<[f64; 2]>> {
        let ok = |lo: f64, hi: f64| lo.is_finite() && hi.is_finite() && lo < hi;
        if !(ok(self.x_min, self.x_max) && ok(self.y_min, self.y_max)) {
            return Err(Error::InvalidArgument {
                what: "train::Bounds::grid",
                message: format!(
                    "the bounds must be finite with x_min < x_max and y_min < y_max, found x {}..{}, y {}..{}",
                    self.x_min, self.x_max, self.y_min, self.y_max
                ),
            });
        }
        if !(1..=1_000).contains(&nx) || !(1..=1_000).contains(&ny) {
            return Err(Error::InvalidArgument {
                what: "train::Bounds::grid",
                message: format!("nx and ny must be in 1..=1000, found {nx} × {ny}"),
            });
        }
        let dx = (self.x_max - self.x_min) / nx as f64;
        let dy = (self.y_max - self.y_min) / ny as f64;
        Ok((0..ny)
            .flat_map(|r| {
                let y = self.y_max - (r as f64 + 0.5) * dy;
                (0..nx).map(move |c| [self.x_min + (c as f64 + 0.5) * dx, y])
            })
            .collect())
    }
}
