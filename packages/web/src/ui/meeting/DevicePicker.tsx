/**
 * Which camera, microphone and speaker a meeting uses (SPEC MT-1's device picker): before joining
 * (the preview) and during the meeting. The speaker is offered only where the browser can play on a
 * chosen output (`setSinkId`).
 * @module
 */
import { useEffect, useId, useState } from 'react';
import { useI18n } from '../../i18n/index.tsx';
import { canChooseSpeaker, listDevices, type DeviceChoice, type DeviceLists } from '../../app/meeting-devices.ts';

export interface DevicePickerProps {
  choice: DeviceChoice;
  /** The tracks in use: their devices are the ones selected when nothing was picked. */
  inUse: { camera?: MediaStreamTrack | undefined; microphone?: MediaStreamTrack | undefined };
  onCamera: (id: string) => void;
  onMicrophone: (id: string) => void;
  onSpeaker: (id: string) => void;
}

const NONE: DeviceLists = { cameras: [], microphones: [], speakers: [] };

export function DevicePicker({ choice, inUse, onCamera, onMicrophone, onSpeaker }: DevicePickerProps) {
  const { t } = useI18n();
  const id = useId();
  const [lists, setLists] = useState<DeviceLists>(NONE);
  useEffect(() => {
    let live = true;
    const read = () => void listDevices().then((l) => live && setLists(l), () => undefined);
    read();
    navigator.mediaDevices.addEventListener('devicechange', read);
    return () => {
      live = false;
      navigator.mediaDevices.removeEventListener('devicechange', read);
    };
  }, [inUse.camera, inUse.microphone]);
  const name = (device: MediaDeviceInfo, n: number) => (device.label !== '' ? device.label : t('meetingUnnamedDevice', { n: String(n + 1) }));
  const select = (kind: 'camera' | 'microphone' | 'speaker', label: string, devices: MediaDeviceInfo[], value: string, onChange: (id: string) => void) => (
    <div className="field">
      <label htmlFor={`${id}-${kind}`}>{label}</label>
      <select id={`${id}-${kind}`} value={value} onChange={(e) => onChange(e.target.value)} disabled={devices.length === 0}>
        {kind === 'speaker' && <option value="">{t('meetingDefaultDevice')}</option>}
        {devices.map((d, n) => (
          <option key={d.deviceId || n} value={d.deviceId}>
            {name(d, n)}
          </option>
        ))}
      </select>
    </div>
  );
  return (
    <div className="meeting-devices">
      {select('camera', t('meetingCamera'), lists.cameras, choice.cameraId ?? inUse.camera?.getSettings().deviceId ?? '', onCamera)}
      {select('microphone', t('meetingMicrophone'), lists.microphones, choice.microphoneId ?? inUse.microphone?.getSettings().deviceId ?? '', onMicrophone)}
      {canChooseSpeaker() && lists.speakers.length > 0 && select('speaker', t('meetingSpeaker'), lists.speakers.filter((d) => d.deviceId !== 'default' && d.deviceId !== ''), choice.speakerId ?? '', onSpeaker)}
    </div>
  );
}
