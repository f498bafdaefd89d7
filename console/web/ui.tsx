import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import type { HamletItem } from '../api/session.ts';
import { attachPicker, type PickerKind } from './dates.ts';

/**
 * The console's small component set: fields with a required mark, buttons, the hamlet chooser and the
 * date/time picker. Text is rendered by Preact (never as HTML), so names from the registry cannot inject.
 */

export function Field(props: {
  label: string;
  required?: boolean;
  class?: string;
  hidden?: boolean;
  children: ComponentChildren;
}) {
  const cls = [props.required ? 'req' : '', props.class ?? ''].filter(Boolean).join(' ');
  return (
    // biome-ignore lint/a11y/noLabelWithoutControl: the control is the label's child (props.children)
    <label class={cls || undefined} hidden={props.hidden}>
      {props.label} {props.children}
    </label>
  );
}

export function Button(props: JSX.IntrinsicElements['button'] & { danger?: boolean }) {
  const { danger, class: cls, ...rest } = props;
  return (
    <button
      type="button"
      class={[danger ? 'danger' : '', (cls as string) ?? ''].filter(Boolean).join(' ') || undefined}
      {...rest}
    />
  );
}

/** a text field with the flatpickr calendar; typed text in dd/mm/yyyy HH:mm works too */
export function DateField(props: { name: string; kind: PickerKind; placeholder: string }) {
  const ref = useRef<HTMLInputElement>(null);
  useEffect(() => (ref.current ? attachPicker(ref.current, props.kind) : undefined), [props.kind]);
  return (
    <input
      ref={ref}
      type="text"
      name={props.name}
      data-picker={props.kind}
      placeholder={props.placeholder}
      autocomplete="off"
    />
  );
}

export type Hamlet = HamletItem;

/** "all hamlets", or a box per hamlet; uncontrolled, read by name (all-hamlets, hamlet) from the form */
export function HamletBoxes(props: { hamlets: Hamlet[]; id?: string; all: boolean; onAll(all: boolean): void }) {
  return (
    <>
      <label>
        <input
          type="checkbox"
          name="all-hamlets"
          checked={props.all}
          onChange={(e) => props.onAll(e.currentTarget.checked)}
        />{' '}
        Tất cả thôn/ấp
      </label>
      <div id={props.id} class="hamlet-boxes" hidden={props.all}>
        {props.hamlets.map((h) => (
          <label key={h.id}>
            <input type="checkbox" name="hamlet" value={h.id} /> {h.name}
          </label>
        ))}
      </div>
    </>
  );
}

export function checkedValues(form: HTMLFormElement, name: string): string[] {
  return [...form.querySelectorAll<HTMLInputElement>(`[name=${name}]:checked`)].map((b) => b.value);
}

export function setChecked(form: HTMLFormElement, name: string, values: readonly string[]): void {
  for (const box of form.querySelectorAll<HTMLInputElement>(`[name=${name}]`)) box.checked = values.includes(box.value);
}
