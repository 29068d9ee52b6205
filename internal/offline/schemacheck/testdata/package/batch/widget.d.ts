// A trimmed fixture in the shape of @pulumi/azure-native's .d.ts files.
export declare class Widget extends pulumi.CustomResource {
    readonly name: pulumi.Output<string>;
}
export interface WidgetArgs {
    accountName: pulumi.Input<string>;
    scaleSettings?: pulumi.Input<inputs.batch.ScaleSettingsArgs>;
    rules?: pulumi.Input<pulumi.Input<inputs.batch.RuleArgs>[]>;
}
