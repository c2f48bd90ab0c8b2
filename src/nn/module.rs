//! The [`Module`] trait.

use crate::Value;

/// Something with trainable parameters.
pub trait Module<'g> {
    /// The parameters, in a fixed, documented order (see each implementor).
    fn parameters(&self) -> Vec<Value<'g>>;

    /// Sets every parameter's gradient to 0.
    fn zero_grad(&self) {
        for p in self.parameters() {
            p.zero_grad();
        }
    }

    /// The current parameter values, in [`Module::parameters`] order.
    fn parameter_values(&self) -> Vec<f64> {
        self.parameters().iter().map(|p| p.data()).collect()
    }

    /// Overwrites the parameter values, in [`Module::parameters`] order.
    ///
    /// # Errors
    /// [`Error::InputLength`](crate::Error::InputLength) if `values` has the wrong length.
    fn set_parameter_values(&self, values: &[f64]) -> crate::Result<()> {
        let params = self.parameters();
        if params.len() != values.len() {
            return Err(crate::Error::InputLength {
                what: "Module::set_parameter_values",
                expected: params.len(),
                found: values.len(),
            });
        }
        for (p, &v) in params.iter().zip(values) {
            p.set_data(v);
        }
        Ok(())
    }
}
