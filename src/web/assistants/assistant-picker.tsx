export function AssistantPicker() {
  return null;
}
