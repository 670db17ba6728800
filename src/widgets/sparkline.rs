//! A small line chart of recent values (the ticker's prices, the reliable page's round
//! trips).

use std::{collections::VecDeque, fmt::Write, rc::Rc};

use yew::prelude::*;

/// Props of [`Sparkline`].
#[derive(Properties)]
pub struct SparklineProps {
    /// The values, oldest first.
    pub points: Rc<VecDeque<f64>>,
    /// How many points the line holds when full: it fills the width then.
    pub capacity: usize,
}

impl PartialEq for SparklineProps {
    fn eq(&self, other: &Self) -> bool {
        Rc::ptr_eq(&self.points, &other.points) && self.capacity == other.capacity
    }
}

/// A small SVG line of recent values, scaled to their range; redrawn only when the values
/// are replaced.
#[component]
pub fn Sparkline(props: &SparklineProps) -> Html {
    const WIDTH: f64 = 80.0;
    const HEIGHT: f64 = 20.0;
    let history = &props.points;
    let (low, high) = history
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), p| {
            (lo.min(*p), hi.max(*p))
        });
    let span = (high - low).max(f64::EPSILON);
    let step = WIDTH / props.capacity.saturating_sub(1).max(1) as f64;
    let mut points = String::with_capacity(history.len() * 10);
    for (i, price) in history.iter().enumerate() {
        let x = i as f64 * step;
        let y = HEIGHT - 1.0 - (price - low) / span * (HEIGHT - 2.0);
        let _ = write!(
            points,
            "{},{} ",
            crate::lean::decimal::fixed(x, 1),
            crate::lean::decimal::fixed(y, 1)
        );
    }
    html! {
        <svg class="spark" width="80" height="20" viewBox="0 0 80 20" aria-hidden="true">
            <polyline points={points} fill="none" stroke="currentColor" stroke-width="1.5" />
        </svg>
    }
}
