//! The per-run CSV of an XOR study: one row per run of every arm, with the stream seed and
//! index that regenerate its init.

use super::arm::ArmRuns;

/// The CSV of `arms`' runs (stop reasons in their one text form, `converged`, `max_epochs`, …).
pub fn runs_csv(arms: &[ArmRuns]) -> String {
    let mut s = String::from(
        "arm,run,stream_seed,init_index,initial_loss,initial_accuracy,epochs,stop,final_loss,final_accuracy,success,distance,dead_points_init,dead_class1_init,row_cosine_final,mirror_final\n",
    );
    for a in arms {
        for (r, (o, (index, _))) in a.report.outcomes.iter().zip(&a.inits).enumerate() {
            let (dead, dead1) = o.initial_layer.map_or((String::new(), String::new()), |l| {
                (
                    l.dead_points.to_string(),
                    l.dead_points_by_class[1].to_string(),
                )
            });
            let (cos, mirror) = o.final_layer.map_or((String::new(), String::new()), |l| {
                (
                    format!("{:.6}", l.row_cosine),
                    l.is_mirror_pair().to_string(),
                )
            });
            s.push_str(&format!(
                "{},{r},{},{index},{:.9},{},{},{},{:.9e},{},{},{:.6},{dead},{dead1},{cos},{mirror}\n",
                a.arm.name, a.stream_seed, o.initial_loss, o.initial_accuracy, o.epochs, o.stop, o.final_loss, o.final_accuracy, o.success, o.distance
            ));
        }
    }
    s
}
