// The package ships no types: its parser returns metric families ({ name, help, type, metrics }).
declare module 'parse-prometheus-text-format' {
  export default function parsePrometheusTextFormat(text: string): unknown[];
}
