/**
 * Sensor run keys: a sensor's own key is stored on its run as `sensor:<name>:<key>`, so two
 * sensors may use the same keys, and a key never makes two runs (runs.run_key is unique).
 */
export function sensorRunKey(sensorName: string, runKey: string): string {
  return `sensor:${sensorName}:${runKey}`;
}
