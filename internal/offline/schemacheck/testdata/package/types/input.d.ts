export declare namespace batch {
    interface ScaleSettingsArgs {
        autoScale?: pulumi.Input<inputs.batch.AutoScaleSettingsArgs>;
    }
    interface AutoScaleSettingsArgs {
        evaluationInterval?: pulumi.Input<string>;
        formula: pulumi.Input<string>;
    }
    interface RuleArgs {
        name: pulumi.Input<string>;
        priority?: pulumi.Input<number>;
    }
    namespace v20240701 {
        interface AutoScaleSettingsArgs {
            formula: pulumi.Input<string>;
            futureOnlyProperty?: pulumi.Input<string>;
        }
    }
}
export declare namespace compute {
    interface AutoScaleSettingsArgs {
        unrelated?: pulumi.Input<string>;
    }
}
